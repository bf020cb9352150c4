from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from config.events import subscribe
        from webhooks.services.outbox import HANDLERS

        # The domain events of the apps below become webhook events in the outbox, written in
        # the same transaction as the change they report.
        for name, handler in HANDLERS.items():
            subscribe(name, handler, in_transaction=True)
