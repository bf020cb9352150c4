"""The one merchant-scoped base for every portal view and API viewset.

A view declares how to build its queryset from the current merchant
(``get_merchant_queryset``); the base makes that the only queryset it has. An object of
another merchant is therefore indistinguishable from one that does not exist: 404.
Viewers read; only owners and staff may write.
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


class IsMerchantMember(permissions.BasePermission):
    message = "You are not a member of any active merchant."

    def has_permission(self, request, view) -> bool:
        membership = getattr(request._request, "membership", None)
        if membership is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        self.message = "Your role at this merchant is read-only."
        return membership.can_write


class MerchantScopedViewSet(viewsets.GenericViewSet):
    """For API viewsets: the queryset is always the current merchant's."""

    permission_classes = [permissions.IsAuthenticated, IsMerchantMember]

    @property
    def merchant(self):
        return self.request._request.merchant

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
