"""One error format for the whole API: ``{"errors": [{"code", "detail", "attr"}]}``.

``attr`` is the field path (``lines.0.quantity``) or null for errors about the request as a whole.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail, attr: str | None = None) -> list[dict]:
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            path = None if key in ("non_field_errors", "__all__") else (f"{attr}.{key}" if attr else str(key))
            errors.extend(_flatten(value, path if path is not None else attr))
        return errors
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [_error(item, attr) for item in detail]
        errors = []
        for index, item in enumerate(detail):
            if item:
                errors.extend(_flatten(item, f"{attr}.{index}" if attr else str(index)))
        return errors
    return [_error(detail, attr)]


def _error(detail, attr: str | None) -> dict:
    code = getattr(detail, "code", None) or "invalid"
    return {"code": code, "detail": str(detail), "attr": attr}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        errors = [{"code": getattr(detail, "code", None) or exc.default_code, "detail": str(detail), "attr": None}]
    return Response({"errors": errors}, status=response.status_code, headers=_headers(response))


def _headers(response) -> dict:
    return {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}


class Conflict(exceptions.ValidationError):
    """A 409 that keeps the field paths of the service's error (``attr`` stays ``status``, …)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def conflict(detail: str, code: str = "conflict", **extra) -> Response:
    """A 409 in the API's error format, with optional extra keys (e.g. the existing id)."""
    return Response(
        {"errors": [{"code": code, "detail": detail, "attr": None, **extra}]}, status=status.HTTP_409_CONFLICT
    )


def page_not_found(request, exception):
    """Django's 404 view (``handler404``): under ``/api/`` a URL no route matches (``/orders/0.5/``)
    answers in the API's error format, exactly like a missing object; elsewhere the HTML page."""
    if request.path_info.startswith("/api/"):
        body = {"errors": [{"code": "not_found", "detail": str(exceptions.NotFound.default_detail), "attr": None}]}
        return JsonResponse(body, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
