"""API keys: creating one (the key is shown once), revoking, and authenticating a request with one.

A key reads ``cd_live_<prefix>_<secret>``: ``prefix`` is 8 public characters that find the row,
``secret`` 32 random letters and digits (about 190 bits). Only the SHA-256 of the whole key is
stored, and it is compared in constant time, so neither the database nor the timing of a wrong
guess gives a key away.

``ApiKeyAuthentication`` reads ``Authorization: Bearer <key>``. A request it authenticates has
``request.auth`` = the ``ApiKey`` and ``request.user`` = an ``ApiKeyUser`` (no Django user: a
key acts for its owner, not for a person). Every refusal is a 401 in the API's error format.
"""

import datetime
import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import authentication, exceptions

from merchants.models import Merchant
from warehouses.models import ApiKey, Partner

KEY_PREFIX = "cd_live_"
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits
PREFIX_LENGTH = 8
SECRET_LENGTH = 32
KEY_PATTERN = re.compile(rf"^{KEY_PREFIX}(?P<prefix>[a-z0-9]{{{PREFIX_LENGTH}}})_[A-Za-z0-9]{{{SECRET_LENGTH}}}$")
TOUCH_INTERVAL = datetime.timedelta(minutes=1)
# Compared against when no key has the prefix, so that unknown and wrong keys take the same time.
_NO_KEY_HASH = hashlib.sha256(b"no such key").hexdigest()

PARTNER_READ = "partner:read"
PARTNER_WRITE = "partner:write"
PARTNER_SCOPES = {
    PARTNER_READ: "Read the shipments at the partner's warehouses",
    PARTNER_WRITE: "Post stage events of those shipments",
}
# ``<family>:read`` lets a key read a resource family (GET), ``<family>:write`` change it (POST,
# PUT, PATCH, DELETE). Each API viewset names its family (``scope_family``).
MERCHANT_SCOPES = {
    "products:read": "Read the catalog",
    "products:write": "Create and change products",
    "inventory:read": "Read inventory balances",
    "inbound:read": "Read inbound plans and shipments",
    "inbound:write": "Create and change inbound plans and shipments",
    "orders:read": "Read orders and fulfillment previews",
    "orders:write": "Create and cancel orders",
    "shipments:read": "Read shipments and their tracking events",
    "customs:read": "Read customs declarations",
    "customs:write": "Ask customs to assess a held declaration again",
    "quotes:read": "Compare the modes' landed cost and delivery time",
    "webhooks:read": "Read webhook endpoints and deliveries",
    "webhooks:write": "Create, change and redeliver webhooks",
}


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def allowed_scopes(*, merchant: Merchant | None = None, partner: Partner | None = None) -> dict[str, str]:
    """The scopes a key of this owner may hold, with what each allows."""
    return PARTNER_SCOPES if partner is not None else MERCHANT_SCOPES


def api_key_create(
    *, name: str, scopes: list[str], merchant: Merchant | None = None, partner: Partner | None = None
) -> tuple[ApiKey, str]:
    """Create a key for ``merchant`` or ``partner``; returns ``(api_key, raw_key)``.

    ``raw_key`` exists only in this return value: show it to the caller once, it is not stored.
    A scope that does not belong to the owner's kind (``partner:*`` on a merchant key, …) is
    refused with a ``ValidationError`` on ``scopes``.
    """
    if (merchant is None) == (partner is None):
        raise ValidationError("An API key belongs to exactly one merchant or one partner.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the key a name, e.g. the integration that uses it."})
    allowed = allowed_scopes(merchant=merchant, partner=partner)
    scopes = list(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    if not scopes:
        raise ValidationError({"scopes": f"Choose at least one scope of: {', '.join(allowed)}."})
    unknown = [s for s in scopes if s not in allowed]
    if unknown:
        owner = "partner" if partner is not None else "merchant"
        raise ValidationError(
            {"scopes": f"Not a {owner} scope: {', '.join(unknown)}. A {owner} key may have: {', '.join(allowed)}."}
        )
    for _ in range(5):
        prefix = _random(PREFIX_ALPHABET, PREFIX_LENGTH)
        raw_key = f"{KEY_PREFIX}{prefix}_{_random(SECRET_ALPHABET, SECRET_LENGTH)}"
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    merchant=merchant,
                    partner=partner,
                    name=name[:100],
                    prefix=prefix,
                    secret_hash=key_hash(raw_key),
                    scopes=scopes,
                )
        except IntegrityError:  # the prefix is taken (about one in 10^12): draw another
            continue
        return api_key, raw_key
    raise RuntimeError("Could not draw an unused API key prefix.")


def api_keys_revoke(*, api_keys: QuerySet[ApiKey], at: datetime.datetime | None = None) -> int:
    """Revoke the keys not yet revoked; returns how many. Revoking again changes nothing."""
    return api_keys.filter(revoked_at__isnull=True).update(revoked_at=at or timezone.now())


class ApiKeyRejected(Exception):  # noqa: N818
    """The key is unknown, malformed, revoked, or its owner is deactivated; ``str()`` says which."""


def api_key_verify(*, raw_key: str, now: datetime.datetime | None = None) -> ApiKey:
    """The active key whose hash matches ``raw_key`` (its ``last_used_at`` kept fresh), or ``ApiKeyRejected``."""
    match = KEY_PATTERN.match(raw_key)
    api_key = (
        ApiKey.objects.select_related("merchant", "partner").filter(prefix=match["prefix"]).first() if match else None
    )
    stored = api_key.secret_hash if api_key is not None else _NO_KEY_HASH
    if not hmac.compare_digest(stored, key_hash(raw_key)) or api_key is None:
        raise ApiKeyRejected("Invalid API key.")
    if api_key.revoked_at is not None:
        raise ApiKeyRejected("This API key has been revoked.")
    if not api_key.owner.is_active:
        raise ApiKeyRejected("The owner of this API key is deactivated.")
    _touch(api_key, now or timezone.now())
    return api_key


def _touch(api_key: ApiKey, now: datetime.datetime) -> None:
    # At most one write a minute per key, however busy it is; the conditional update keeps
    # concurrent requests from writing it twice.
    if api_key.last_used_at is not None and api_key.last_used_at > now - TOUCH_INTERVAL:
        return
    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_INTERVAL)
    ).update(last_used_at=now)
    api_key.last_used_at = now


@dataclass(frozen=True, eq=False)
class ApiKeyUser:
    """``request.user`` of a key-authenticated request: acts for the key's owner, is no person."""

    api_key: ApiKey
    pk = None
    id = None
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    @property
    def merchant(self) -> Merchant | None:
        return self.api_key.merchant

    @property
    def partner(self) -> Partner | None:
        return self.api_key.partner

    def get_username(self) -> str:
        return f"api-key:{self.api_key.prefix}"

    def __str__(self) -> str:
        return self.get_username()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cd_live_…``. Without that header it stays out of the way (``None``),
    so that another authentication class, or the view's permission, decides."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the key as: Authorization: Bearer <key>.")
        try:
            raw_key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        try:
            api_key = api_key_verify(raw_key=raw_key)
        except ApiKeyRejected as rejected:
            raise exceptions.AuthenticationFailed(str(rejected)) from None
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when the key is missing or refused.
        return f'{self.keyword} realm="api"'
