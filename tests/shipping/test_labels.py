"""The labels PDF opens, has one page per box, and its barcodes decode to the box ids."""

import pypdfium2 as pdfium
import pytest
import zxingcpp

from shipping.labels import inbound_shipment_labels_pdf
from tests.shipping.conftest import box

pytestmark = pytest.mark.django_db


def test_every_label_barcode_decodes_to_its_box_id(send, network, tees, mugs):
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        items={"TEE-BLK-M": 30, "MUG-01": 12},
        boxes=[box({"TEE-BLK-M": 15}), box({"TEE-BLK-M": 15}), box({"MUG-01": 12})],
        until="confirmed",
    )
    pdf_bytes = inbound_shipment_labels_pdf(shipment=shipment)
    assert pdf_bytes.startswith(b"%PDF")

    document = pdfium.PdfDocument(pdf_bytes)
    box_ids = list(shipment.boxes.order_by("box_id").values_list("box_id", flat=True))
    assert len(document) == len(box_ids) == 3
    for index, box_id in enumerate(box_ids):
        page = document[index]
        image = page.render(scale=3).to_pil()
        decoded = [(r.text, r.format.name) for r in zxingcpp.read_barcodes(image)]
        assert (box_id, "Code128") in decoded
        text = page.get_textpage().get_text_range()
        assert shipment.confirmation_id in text
        assert f"Box {index + 1} of 3" in text
        assert shipment.warehouse.code in text and shipment.plan.merchant.name in text
