"""Rate limits of the API: per API key (by its public prefix), per signed-in user, per client IP.

Rates are ``CROSSDOCK_API_THROTTLE_RATES`` (``"600/min"``; ``None`` turns a limit off), read at
each request. A refused request is ``429`` in the API's error format, with ``Retry-After``.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from warehouses.models import ApiKey


class ApiRateThrottle(SimpleRateThrottle):
    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self):
        # The scope (and so the rate) depends on who is asking: chosen per request below.
        pass

    def allow_request(self, request, view):
        self.scope = self._scope(request)
        self.rate = settings.CROSSDOCK_API_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    @staticmethod
    def _scope(request) -> str:
        if isinstance(request.auth, ApiKey):
            return "api_key"
        return "user" if request.user and request.user.is_authenticated else "anon"

    def get_cache_key(self, request, view) -> str:
        if self.scope == "api_key":
            ident = request.auth.prefix
        elif self.scope == "user":
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
