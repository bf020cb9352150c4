"""Where webhooks may go, and the one HTTP call that sends them.

In production (``CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS`` off) a URL must be ``https`` and reach a
public address: the URL is checked when it is saved (scheme, credentials, literal private
addresses and local names), and again when it is called, where the host name is resolved, every
address checked, and the connection made to the checked address (the name still goes in the TLS
SNI, the certificate check and the ``Host`` header) so a DNS answer cannot change between check
and use. Redirects are never followed. In development and tests the setting is on: ``http`` and
this machine or a private network are allowed, so a receiver on ``localhost`` works.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
RESPONSE_EXCERPT_BYTES = 2048
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan", ".home.arpa")
USER_AGENT = "Crossdock-Webhooks/1.0"


class TargetRefused(Exception):  # noqa: N818 - a refusal, not a failure
    """The URL may not be called (scheme or address)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    headers: dict[str, str]


def local_targets_allowed() -> bool:
    return bool(getattr(settings, "CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS", False))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def validate_target_url(url: str) -> str:
    """The URL, cleaned; raises ``ValidationError`` keyed ``url`` if webhooks may not go there."""
    url = (url or "").strip()
    parts = urlsplit(url)
    allow_local = local_targets_allowed()
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme not in schemes:
        raise ValidationError({"url": "Use an https:// URL." if not allow_local else "Use an http(s):// URL."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Leave credentials out of the URL; verify the signature instead."})
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise ValidationError({"url": "Enter a URL with a host name."})
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError as error:
        raise ValidationError({"url": "The port of this URL is not valid."}) from error
    if allow_local:
        return url
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None and not _is_public(str(literal)):
        raise ValidationError({"url": "Webhooks cannot be sent to a private or local network address."})
    if literal is None and (host == "localhost" or host.endswith(LOCAL_NAMES) or "." not in host):
        raise ValidationError({"url": "Webhooks cannot be sent to a local host name; use a public one."})
    return url


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"Cannot resolve {host}: {error.strerror or error}") from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Response:
    """POST ``body`` to ``url``; raises ``TargetRefused`` (never retried) or ``OSError`` /
    ``urllib3`` errors for network failures (retried). Any status is returned, redirects too."""
    validate_or_refuse(url)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname.rstrip(".")
    port = parts.port or (443 if https else 80)
    addresses = _resolve(host, port)
    if not local_targets_allowed():
        private = [a for a in addresses if not _is_public(a)]
        if private:
            raise TargetRefused(f"{host} resolves to a private or local address ({private[0]}).")
    address = addresses[0]
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    if https:
        pool = urllib3.HTTPSConnectionPool(
            address,
            port=port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port=port, timeout=timeout, retries=False, maxsize=1)
    default_port = port == (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = {
        **headers,
        "host": host if default_port else f"{host}:{port}",
        "user-agent": USER_AGENT,
    }
    try:
        response = pool.urlopen(
            "POST", path, body=body, headers=request_headers, redirect=False, retries=False, preload_content=False
        )
        try:
            excerpt = response.read(RESPONSE_EXCERPT_BYTES, decode_content=True)
        finally:
            response.release_conn()
        return Response(
            status=response.status,
            body=excerpt.decode("utf-8", errors="replace"),
            headers={k.lower(): v for k, v in response.headers.items()},
        )
    finally:
        pool.close()


def validate_or_refuse(url: str) -> None:
    try:
        validate_target_url(url)
    except ValidationError as error:
        raise TargetRefused(" ".join(error.message_dict["url"])) from error
