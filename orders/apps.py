from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from config.events import subscribe
        from orders.services.fulfilment import on_shipment_changes

        # Orders follow their shipments: news travels up from shipping as events, taken inside the
        # shipments' own transaction, so an order never disagrees with its committed shipments.
        subscribe("shipment.stage_changed", on_shipment_changes, in_transaction=True)
