"""A real HTTP receiver on this machine (``http.server`` in a thread) that answers what a test asks
for and records every request; endpoints that point at it; the order network of the orders tests."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.orders.conftest import order_network, stock, widget  # noqa: F401 - fixtures used here too
from webhooks.models import WebhookDelivery
from webhooks.services.endpoints import webhook_endpoint_create
from webhooks.services.outbox import webhook_events_write


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


class Receiver:
    """Answers the queued replies in order (then 200), and keeps what it received."""

    def __init__(self):
        self.replies: list[Reply] = []
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                reply = receiver.replies.pop(0) if receiver.replies else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def reply(self, *replies: Reply) -> None:
        self.replies.extend(replies)


@pytest.fixture(autouse=True)
def _local_targets(settings):
    """The receiver listens on this machine over http, as in development."""
    settings.CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS = True


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def endpoint_and_secret(merchant, receiver):
    return webhook_endpoint_create(merchant=merchant, url=receiver.url, description="Our ERP")


@pytest.fixture
def endpoint(endpoint_and_secret):
    return endpoint_and_secret[0]


@pytest.fixture
def make_delivery(merchant):
    """An event of ``type`` in the outbox with a first, due delivery to ``endpoint``."""
    from django.utils import timezone

    from webhooks.event_types import EventSpec

    def _make(endpoint, type_: str = "order.status_changed", data: dict | None = None) -> WebhookDelivery:
        spec = EventSpec(endpoint.merchant_id, type_, data or {"order_id": 1, "to_status": "planning"}, timezone.now())
        [event] = webhook_events_write(specs=[spec], endpoints={endpoint.merchant_id: [endpoint]}, force=True)
        return WebhookDelivery.objects.get(event=event, endpoint=endpoint)

    return _make
