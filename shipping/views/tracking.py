"""The public tracking page, ``/track/<tracking number>/``, and its search form, ``/track/``.

No login: anyone with a tracking number sees where the parcel is — the stages done and to come,
the events with a city or country, the estimated delivery — and nothing about whom (see
``shipping.selectors.public_tracking``). An unknown number is a 404 page that says so.

Lookups are rate-limited per client IP through Django's cache: at most
``TRACKING_RATE.limit`` (30) a minute, then 429 with ``Retry-After``, so the page cannot be
used to walk through tracking numbers. The client IP is ``REMOTE_ADDR``. Behind a reverse
proxy or load balancer that is the proxy's address — every visitor would share one allowance —
so the proxy must pass the real client address and the deployment must put it into
``REMOTE_ADDR`` (e.g. gunicorn's ``--forwarded-allow-ips`` with the proxy's
``X-Forwarded-For``, or the proxy speaking the PROXY protocol). Never trust a forwarded header
that the proxy does not set itself: a client could pick a fresh "IP" for every request.
"""

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.views.generic import View

from shipping.selectors import TRACKING_NUMBER_MAX_LENGTH, normalize_tracking_number, public_tracking

_NOT_AN_ADDRESS = re.compile(r"[^0-9A-Fa-f:.]")


@dataclass
class RateLimit:
    """At most ``limit`` requests per ``window`` seconds per client, counted in fixed windows in
    the cache (atomic ``incr``; with Redis shared by every web process)."""

    prefix: str
    limit: int
    window: int = 60
    clock: Callable[[], float] = field(default=time.time)

    def hit(self, client: str) -> int | None:
        """Count one request of ``client``; ``None`` if allowed, else the seconds until it may retry."""
        now = self.clock()
        bucket = int(now // self.window)
        key = f"{self.prefix}:{client}:{bucket}"
        cache.add(key, 0, timeout=self.window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired or evicted between add and incr
            cache.set(key, 1, timeout=self.window + 5)
            count = 1
        if count <= self.limit:
            return None
        return max(1, math.ceil((bucket + 1) * self.window - now))


TRACKING_RATE = RateLimit(prefix="tracking-rate", limit=30, window=60)


def client_ip(request) -> str:
    """``REMOTE_ADDR``, kept to the characters of an IPv4 or IPv6 address (it becomes a cache key)."""
    return _NOT_AN_ADDRESS.sub("", request.META.get("REMOTE_ADDR") or "")[:45] or "unknown"


class TrackingSearchForm(forms.Form):
    number = forms.CharField(
        label="Tracking number",
        max_length=40,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. CD123456789012", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_number(self) -> str:
        number = normalize_tracking_number(self.cleaned_data["number"])
        if not number.isalnum() or len(number) > TRACKING_NUMBER_MAX_LENGTH:
            raise forms.ValidationError(
                f"A tracking number has up to {TRACKING_NUMBER_MAX_LENGTH} letters and digits, like CD123456789012."
            )
        return number


class TrackingSearchView(View):
    """``/track/``: the search form; a valid number goes to its tracking page."""

    def get(self, request):
        form = TrackingSearchForm(request.GET if "number" in request.GET else None)
        if form.is_valid():
            return redirect("tracking-detail", tracking_number=form.cleaned_data["number"])
        return render(request, "tracking/search.html", {"form": form})


class TrackingDetailView(View):
    """``/track/<number>/``: where the parcel is. Rate-limited; unknown numbers are a 404 page."""

    def get(self, request, tracking_number: str):
        retry_after = TRACKING_RATE.hit(client_ip(request))
        if retry_after is not None:
            response = render(
                request,
                "tracking/rate_limited.html",
                {"retry_after": retry_after, "limit": TRACKING_RATE.limit, "window": TRACKING_RATE.window},
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
        tracking = public_tracking(tracking_number=tracking_number)
        form = TrackingSearchForm(initial={"number": tracking_number[:40]})
        if tracking is None:
            context = {"form": form, "number": tracking_number[:40]}
            response = render(request, "tracking/unknown.html", context, status=404)
        else:
            response = render(request, "tracking/detail.html", {"tracking": tracking, "form": form})
        response["X-Robots-Tag"] = "noindex"  # a parcel's whereabouts are not for search engines
        return response
