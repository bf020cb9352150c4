"""FBA cross-border transfers: stock from an origin FC in the merchant's country to a
distribution centre in the destination market, through the network (the merchant, or its
agent, is importer of record; the platform never is)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant
from shipping.models import Shipment
from shipping.routes import transfer_route_plan
from shipping.services.shipments import shipments_create
from warehouses.models import InventoryBalance, Warehouse
from warehouses.modes import Mode, Speed, WarehouseRole
from warehouses.network import Network


@transaction.atomic
def transfer_create(
    *, merchant: Merchant, origin: Warehouse, destination: Warehouse, lines: list[tuple], actor=None
) -> Shipment:
    """Send ``lines`` ((product, quantity)) from ``origin`` (an origin FC) to ``destination`` (a
    destination DC); the units leave ``fulfillable`` for ``in_transfer`` at once."""
    errors: dict[str, str] = {}
    if origin.role != WarehouseRole.ORIGIN_FC or not origin.is_active:
        errors["origin"] = f"{origin.code} is not an active origin fulfillment centre."
    if destination.role != WarehouseRole.DESTINATION_DC or not destination.is_active:
        errors["destination"] = f"{destination.code} is not an active destination distribution centre."
    if not lines:
        errors["lines"] = "Add at least one product."
    stock = dict(
        InventoryBalance.objects.filter(merchant=merchant, warehouse=origin).values_list("product_id", "fulfillable")
    )
    for index, (product, quantity) in enumerate(lines):
        if product.merchant_id != merchant.pk:
            errors[f"lines.{index}.sku"] = "Unknown SKU."
        elif not isinstance(quantity, int) or quantity < 1:
            errors[f"lines.{index}.quantity"] = "Enter a whole number of units, at least 1."
        elif stock.get(product.pk, 0) < quantity:
            errors[f"lines.{index}.quantity"] = (
                f"{origin.code} holds {stock.get(product.pk, 0)} fulfillable units of {product.sku}."
            )
    route = None
    if not errors:
        route = Network.load().route(
            origin=origin.country.code, destination=destination.country.code, speed=Speed.STANDARD, freight=True
        )
        if route is None:
            errors["destination"] = f"No lane carries stock from {origin.country.code} to {destination.country.code}."
    if errors:
        raise ValidationError(errors)
    [shipment] = shipments_create(
        specs=[
            {
                "kind": Shipment.Kind.TRANSFER,
                "merchant_id": merchant.pk,
                "mode_id": Mode.FBA_CROSS_BORDER,
                "source_warehouse_id": origin.pk,
                "destination_warehouse_id": destination.pk,
                "origin_country": origin.country.code,
                "crosses_border": route.crosses_border,
                "incoterm": "DDP",
                "lane_id": route.lane_id,
                "transport": route.transport,
                "route": transfer_route_plan(route=route),
                "contact_name": destination.name,
                "address_line1": destination.address_line1,
                "city": destination.city,
                "postal_code": destination.postal_code,
                "region": destination.region,
                "country": destination.country.code,
                "lines": [(p.pk, q, p.declared_value, p.declared_currency) for p, q in lines],
            }
        ],
        at=timezone.now(),
    )
    return shipment
