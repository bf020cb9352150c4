"""Puts the signed-in user's current merchant on the request (``request.merchant``)."""

from merchants.selectors import memberships_for_user

SESSION_KEY = "current_merchant_id"


class CurrentMerchantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.merchant = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = list(memberships_for_user(user=user))
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.merchant_id == wanted), memberships[0] if memberships else None)
            if chosen is not None:
                request.membership = chosen
                request.merchant = chosen.merchant
                request.memberships = memberships
        return self.get_response(request)
