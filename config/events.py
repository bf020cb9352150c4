"""Domain events inside the process: published after the transaction commits, in order.

A service calls ``publish(name, payload)`` inside its transaction; subscribers registered with
``subscribe`` run once the transaction commits (never for a rolled-back change). Apps below
publish, apps above subscribe in their ``AppConfig.ready`` — news travels up without imports
going up. Webhooks will read the same events into an outbox.
"""

from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

_subscribers: dict[str, list[Callable[[list[dict]], None]]] = defaultdict(list)


def subscribe(name: str, handler: Callable[[list[dict]], None]) -> None:
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def publish(name: str, payloads: list[dict]) -> None:
    """Deliver ``payloads`` (a batch) to the subscribers of ``name`` after commit."""
    if not payloads:
        return

    def deliver() -> None:
        for handler in list(_subscribers[name]):
            handler(payloads)

    transaction.on_commit(deliver)
