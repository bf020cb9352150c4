"""The one merchant-scoped base for every portal view and API viewset.

A view declares how to build its queryset from the current merchant
(``get_merchant_queryset``); the base makes that the only queryset it has. An object of
another merchant is therefore indistinguishable from one that does not exist: 404.
Viewers read; only owners and staff may write.

The API is reached with a session (a person: a membership's role decides) or with an API key
(``Authorization: Bearer …``, an integration: the key's scopes decide). A merchant's key acts
for that merchant only; a partner's key reaches no merchant endpoint. This module only reads
the credential ``request.auth`` (anything with ``merchant``, ``partner`` and ``has_scope``), so
that merchants imports nothing of the apps above it.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from rest_framework import permissions, viewsets

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class MerchantScopedMixin(LoginRequiredMixin):
    """For portal views: requires a membership, scopes every query to ``request.merchant``."""

    write_view = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.merchant is None:
            return render(request, "merchants/no_merchant.html", status=403)
        if (self.write_view or request.method not in SAFE_METHODS) and not request.membership.can_write:
            raise PermissionDenied("Your role at this merchant is read-only.")
        return super().dispatch(request, *args, **kwargs)

    def get_merchant_queryset(self):
        raise NotImplementedError("Scoped views define get_merchant_queryset().")

    def get_queryset(self):
        return self.get_merchant_queryset()


def api_key_of(request):
    """The API key a DRF request was authenticated with, or ``None`` for a session."""
    credential = getattr(request, "auth", None)
    return credential if hasattr(credential, "has_scope") else None


def required_scope(request, view) -> str | None:
    """``<family>:read`` for safe methods (and the actions a view lists in ``read_actions``,
    POSTs that change nothing), ``<family>:write`` otherwise; ``None`` if the view names no family."""
    family = getattr(view, "scope_family", None)
    if family is None:
        return None
    reading = request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in getattr(
        view, "read_actions", ()
    )
    return f"{family}:{'read' if reading else 'write'}"


class IsMerchantMember(permissions.BasePermission):
    """A member of the current merchant (viewers read, owners and staff write), or an API key of
    a merchant holding the scope the request needs."""

    message = "You are not a member of any active merchant."

    def has_permission(self, request, view) -> bool:
        api_key = api_key_of(request)
        if api_key is not None:
            return self._key_allowed(api_key, request, view)
        membership = getattr(request._request, "membership", None)
        if membership is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        self.message = "Your role at this merchant is read-only."
        return membership.can_write

    def _key_allowed(self, api_key, request, view) -> bool:
        if api_key.merchant is None:
            self.code = "wrong_api_key"
            self.message = "This endpoint takes a merchant's API key; a partner's key reaches only /api/v1/partner/."
            return False
        scope = required_scope(request, view)
        if scope is None:  # fail closed: a viewset open to keys says which scopes it takes
            self.code = "insufficient_scope"
            self.message = "This endpoint is not open to API keys."
            return False
        if not api_key.has_scope(scope):
            self.code = "insufficient_scope"
            self.message = f"This API key lacks the {scope} scope."
            return False
        return True


class NoPartnerKey(permissions.BasePermission):
    """For endpoints open to every signed-in merchant or operator (the network): not to a partner's key."""

    code = "wrong_api_key"
    message = "This endpoint takes a merchant's API key; a partner's key reaches only /api/v1/partner/."

    def has_permission(self, request, view) -> bool:
        api_key = api_key_of(request)
        return api_key is None or api_key.merchant is not None


class MerchantScopedViewSet(viewsets.GenericViewSet):
    """For API viewsets: the queryset is always the current merchant's.

    ``scope_family`` names the API-key scopes of the viewset (``orders`` → ``orders:read`` and
    ``orders:write``); ``read_actions`` lists POST actions that only read (a preview).
    """

    permission_classes = [permissions.IsAuthenticated, IsMerchantMember]
    scope_family: str | None = None
    read_actions: tuple[str, ...] = ()

    @property
    def merchant(self):
        api_key = api_key_of(self.request)
        if api_key is not None:
            return api_key.merchant  # a key acts for its own merchant, whoever is signed in
        # None outside a request (the schema generator): the queryset is then empty.
        return getattr(self.request._request, "merchant", None)

    @property
    def actor(self):
        """Who acts, for audit rows: the signed-in person, or ``None`` for an API key (no person)."""
        return None if api_key_of(self.request) is not None else self.request.user

    def get_merchant_queryset(self):
        raise NotImplementedError("Scoped viewsets define get_merchant_queryset().")

    def get_queryset(self):
        return self.get_merchant_queryset()


class OperatorRequiredMixin(LoginRequiredMixin):
    """For the operator console: platform staff only, and deliberately not merchant-scoped."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_staff:
            raise PermissionDenied("The operator console is for platform staff.")
        return super().dispatch(request, *args, **kwargs)


class IsOperator(permissions.BasePermission):
    """API access for platform staff (operators); sees every merchant's data on purpose."""

    message = "Only platform operators may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
