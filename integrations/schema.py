"""The OpenAPI schema (drf-spectacular): the bearer key scheme, and the responses every operation
shares, so that each view declares only what is its own.

Every operation gets, besides its own responses, the errors the API answers everywhere in the
one error format (``{"errors": [{"code", "detail", "attr"}]}``): 401 (no or a bad key), 403 (role
or scope), 429 (throttled, with ``Retry-After``), 404 where the path names an object (or a list
takes a cursor), 400 where the request carries input (a body, filters). Every POST documents the
``Idempotency-Key`` header, its 409 (still running) and 422 (reused for another request), and
``Idempotent-Replayed`` on a replayed answer. A view adds its own 409 (a state that refuses the
request) with ``extend_schema``.
"""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from integrations.idempotency import HEADER as IDEMPOTENCY_HEADER
from integrations.idempotency import MAX_KEY_LENGTH, REPLAYED_HEADER


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: invalid, required, not_found, conflict, throttled, …")
    detail = serializers.CharField(help_text="What went wrong, for a person.")
    attr = serializers.CharField(
        allow_null=True, help_text="The field path (lines.0.sku), or null for the request as a whole."
    )


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


ERROR_DESCRIPTIONS = {
    "400": "Bad input: each error names its field path in attr.",
    "401": "No API key or session, or the key is unknown, revoked or its owner deactivated.",
    "403": "The key lacks the scope, the key is of the wrong kind, or the user's role is read-only.",
    "404": "No such object, or another owner's (the two are never told apart); on a list, an invalid cursor.",
    "409": f"The first request with this {IDEMPOTENCY_HEADER} is still being processed.",
    "422": f"This {IDEMPOTENCY_HEADER} was used for another request (body, method or path).",
    "429": "Too many requests: wait Retry-After seconds.",
}
WRITE_METHODS = ("POST", "PUT", "PATCH")


def conflict(description: str) -> OpenApiResponse:
    """A view's own 409 (the object's state refuses the request), for ``extend_schema(responses=…)``."""
    return OpenApiResponse(ErrorResponseSerializer, description=description)


class AutoSchema(openapi.AutoSchema):
    def _paginated(self) -> bool:
        # Only ``list`` and the actions a view names in ``paginated_actions`` answer pages; any
        # other action answering many objects answers a plain array.
        action = getattr(self.view, "action", None)
        return action == "list" or action in getattr(self.view, "paginated_actions", ())

    def _get_paginator(self):
        return super()._get_paginator() if self._paginated() else None

    def _get_filter_parameters(self):
        # Filters apply to ``list`` only (an action's own query parameters are declared on it).
        return super()._get_filter_parameters() if getattr(self.view, "action", None) == "list" else []

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters += [
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description=(
                        "Your id of this request (e.g. a UUID), at most "
                        f"{MAX_KEY_LENGTH} characters: a retry with the same key and body gets the first "
                        "answer again instead of running twice. Kept 24 hours."
                    ),
                ),
                OpenApiParameter(
                    REPLAYED_HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=["200", "201"],
                    enum=["true"],
                    description=f"Present on a stored answer replayed for a repeated {IDEMPOTENCY_HEADER}.",
                ),
            ]
        parameters.append(
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=["429"],
                description="Seconds to wait before the next request.",
            )
        )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code in responses:
                if code == "409" and self.method == "POST":  # the view's own 409, and the idempotency one
                    own = responses[code].get("description") or "Conflict."
                    responses[code]["description"] = (
                        f"{own} Or: {ERROR_DESCRIPTIONS['409'][0].lower()}{ERROR_DESCRIPTIONS['409'][1:]}"
                    )
                continue
            response = self._get_response_for_code(ErrorResponseSerializer, code, direction=direction)
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = response
        return dict(sorted(responses.items()))

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        if "{" in self.path or self._paginated():  # a list: an invalid cursor is 404
            codes.append("404")
        takes_input = self.method in WRITE_METHODS or (self._is_list_view() and self.method == "GET")
        if takes_input or self._get_filter_parameters():
            codes.append("400")
        if self.method == "POST":
            codes += ["409", "422"]
        return codes


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "warehouses.api_keys.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cd_live_<prefix>_<secret>",
            "description": (
                "An API key of a merchant (scopes such as orders:write) or of a partner (partner:read, "
                "partner:write), sent as Authorization: Bearer cd_live_…. Created in the portal (API keys) "
                "or with manage.py create_api_key; shown once."
            ),
        }
