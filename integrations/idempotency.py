"""``Idempotency-Key`` on every POST of the API.

A client that may retry a POST (a timeout, a dropped connection) sends a key of its own
choosing, unique per request it means: ``Idempotency-Key: 5f0c…``. For 24 hours, per API key
owner (a merchant, a partner) or signed-in user:

- the same key with the same request (method, path and body) answers the stored response again,
  with ``Idempotent-Replayed: true``, and runs nothing; but only if the view admits the request
  (authentication and permissions): a merchant's keys share their idempotency keys, and a key
  without the scope must not read what another key's write answered (a webhook secret, an
  order). It gets the view's refusal (401, 403) instead, as for any request;
- the same key with another request is ``422`` (``idempotency_key_reused``);
- the same key while its first request still runs is ``409`` (``idempotency_key_in_use``).

Only successful answers (2xx) are stored. An error changed nothing (services write all or
nothing), so the key is released and the request may be sent again with the same key.

A middleware rather than a viewset mixin, so that every POST under ``/api/`` is covered, those
of apps added later included. It names the owner itself: the bearer key (verified the way
``ApiKeyAuthentication`` does) or the session's user. A request with neither is left to the view,
which refuses it.
"""

import hashlib
import json

from django.http import HttpResponse
from django.urls import Resolver404, resolve
from rest_framework.exceptions import APIException

from integrations.services import Claim, Fingerprint, idempotency_claim, idempotency_complete, idempotency_release
from warehouses.api_keys import ApiKeyRejected, api_key_verify

API_PATH_PREFIX = "/api/"
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def _error(status: int, code: str, detail: str) -> HttpResponse:
    body = {"errors": [{"code": code, "detail": detail, "attr": None}]}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _owner(request) -> dict | None:
    """Whose keys these are: the bearer API key's merchant or partner, else the signed-in user."""
    header = request.headers.get("Authorization", "").split()
    if header and header[0].lower() == "bearer":
        if len(header) != 2:
            return None
        try:
            api_key = api_key_verify(raw_key=header[1])
        except ApiKeyRejected:
            return None
        return {"merchant": api_key.merchant} if api_key.merchant_id else {"partner": api_key.partner}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"user": user}
    return None


def _refusal(request) -> HttpResponse | None:
    """The view's refusal of ``request`` (authentication, permissions), checked without running it;
    ``None`` when the view admits it. A stored answer is replayed only to a request that may make it."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    view_class = getattr(match.func, "cls", None)
    if view_class is None:
        return None
    view = view_class(**getattr(match.func, "initkwargs", {}))
    view.action_map = getattr(match.func, "actions", None) or {}
    view.args, view.kwargs, view.format_kwarg = match.args, match.kwargs, None
    view.headers = view.default_response_headers
    view.request = view.initialize_request(request, *match.args, **match.kwargs)
    try:
        view.perform_authentication(view.request)
        view.check_permissions(view.request)
    except APIException as refused:
        return view.finalize_response(view.request, view.handle_exception(refused)).render()
    return None


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or not request.path_info.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        key = request.headers.get(HEADER)
        if key is None:
            return self.get_response(request)
        key = key.strip()
        if not _valid_key(key):
            return _error(
                400,
                "invalid_idempotency_key",
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID.",
            )
        owner = _owner(request)
        if owner is None:
            return self.get_response(request)  # not authenticated: the view answers 401 or 403
        fingerprint = Fingerprint(
            method=request.method, path=request.get_full_path(), body_sha256=hashlib.sha256(request.body).hexdigest()
        )
        claim, record = idempotency_claim(owner=owner, key=key, request=fingerprint)
        if claim is Claim.MISMATCH:
            return _error(
                422,
                "idempotency_key_reused",
                f"This {HEADER} was used for another request (a different body, method or path) in the last "
                "24 hours. Use a new key for a new request.",
            )
        if claim is Claim.IN_PROGRESS:
            response = _error(
                409,
                "idempotency_key_in_use",
                f"A request with this {HEADER} is still being processed. Retry once it has finished.",
            )
            response["Retry-After"] = "1"
            return response
        if claim is Claim.REPLAY:
            if (refusal := _refusal(request)) is not None:
                return refusal
            response = HttpResponse(
                bytes(record.response_body), status=record.response_status, content_type=record.response_content_type
            )
            response[REPLAYED_HEADER] = "true"
            return response
        try:
            response = self.get_response(request)
        except BaseException:
            idempotency_release(record=record)
            raise
        if 200 <= response.status_code < 300 and not response.streaming:
            idempotency_complete(
                record=record,
                status=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content,
            )
        else:
            idempotency_release(record=record)
        return response
