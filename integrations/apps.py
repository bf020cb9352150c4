from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """What every client of ``/api/v1/`` shares: idempotent POSTs, throttling, the OpenAPI schema
    and the portal page where a merchant manages its API keys."""

    name = "integrations"
    verbose_name = "Integration API"

    def ready(self):
        # Registers the schema extension of the bearer API key with drf-spectacular.
        from integrations import schema  # noqa: F401
