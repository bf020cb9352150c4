"""Box labels: one PDF page per box, with a scannable Code 128 barcode of the box id.

Each label carries the box id (as barcode and text), the shipment confirmation id, the
ship-from and ship-to addresses and "box n of m", on a 4 × 6 inch page that thermal label
printers take.
"""

import io

from reportlab.graphics.barcode import code128
from reportlab.lib.units import inch, mm
from reportlab.pdfgen import canvas

from shipping.models import InboundShipment
from shipping.services.inbound_shipments import TransitionNotAllowed

PAGE = (4 * inch, 6 * inch)
MARGIN = 5 * mm


def _address_block(pdf: canvas.Canvas, *, title: str, lines: list[str], x: float, y: float) -> None:
    pdf.setFont("Helvetica-Bold", 7)
    pdf.drawString(x, y, title)
    pdf.setFont("Helvetica", 8)
    for offset, line in enumerate(lines[:6], start=1):
        pdf.drawString(x, y - offset * 9.5, line[:44])


def inbound_shipment_labels_pdf(*, shipment: InboundShipment) -> bytes:
    """The labels PDF of every box of ``shipment``, in box order (not for a deleted or cancelled one)."""
    if shipment.status in {InboundShipment.Status.DELETED, InboundShipment.Status.CANCELLED}:
        raise TransitionNotAllowed(
            {
                "status": f"Shipment {shipment.confirmation_id} is {shipment.get_status_display().lower()}: "
                "its labels are void."
            }
        )
    boxes = list(shipment.boxes.order_by("box_id"))
    plan = shipment.plan
    warehouse = shipment.warehouse
    ship_from = [plan.merchant.name, *plan.address_lines]
    ship_to = [f"{warehouse.name} ({warehouse.code})", *warehouse.address_lines]
    width, height = PAGE
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE)
    pdf.setTitle(f"Box labels {shipment.confirmation_id}")
    pdf.setAuthor("Crossdock")
    for position, box in enumerate(boxes, start=1):
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(MARGIN, height - MARGIN - 14, shipment.confirmation_id)
        pdf.setFont("Helvetica", 9)
        pdf.drawRightString(width - MARGIN, height - MARGIN - 12, f"Box {position} of {len(boxes)}")
        pdf.line(MARGIN, height - MARGIN - 22, width - MARGIN, height - MARGIN - 22)

        _address_block(pdf, title="SHIP FROM", lines=ship_from, x=MARGIN, y=height - MARGIN - 36)
        _address_block(pdf, title="SHIP TO", lines=ship_to, x=width / 2 + 2, y=height - MARGIN - 36)

        barcode = code128.Code128(box.box_id, barHeight=28 * mm, barWidth=0.95, humanReadable=False)
        x = (width - barcode.width) / 2
        barcode.drawOn(pdf, x, 2.1 * inch)
        pdf.setFont("Courier-Bold", 12)
        pdf.drawCentredString(width / 2, 1.85 * inch, box.box_id)

        pdf.setFont("Helvetica", 8)
        details = (
            f"{box.weight_kg} kg · {box.length_cm} × {box.width_cm} × {box.height_cm} cm · "
            f"{shipment.get_shipping_mode_display()}"
        )
        pdf.drawCentredString(width / 2, 1.55 * inch, details)
        contents = ", ".join(f"{c.product.sku} × {c.quantity}" for c in box.contents.select_related("product"))
        pdf.drawCentredString(width / 2, 1.35 * inch, contents[:70])
        pdf.setFont("Helvetica-Bold", 9)
        pdf.drawCentredString(width / 2, 0.6 * inch, "PLEASE LEAVE THIS LABEL UNCOVERED")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
