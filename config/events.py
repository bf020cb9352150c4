"""Domain events inside the process: a service publishes a batch, subscribers react.

A service calls ``publish(name, payloads)`` inside its transaction. Subscribers registered with
``subscribe`` run once the transaction commits (never for a rolled-back change). Subscribers
registered with ``in_transaction=True`` run at once, inside the publisher's transaction: what they
write commits or rolls back with the change itself, and an error of theirs fails the change. The
webhook outbox is one: no change is committed without its events, nor an event without its change.

Apps below publish, apps above subscribe in their ``AppConfig.ready`` — news travels up without
imports going up.
"""

from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

Handler = Callable[[list[dict]], None]
_after_commit: dict[str, list[Handler]] = defaultdict(list)
_in_transaction: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler, *, in_transaction: bool = False) -> None:
    handlers = (_in_transaction if in_transaction else _after_commit)[name]
    if handler not in handlers:
        handlers.append(handler)


def publish(name: str, payloads: list[dict]) -> None:
    """Hand ``payloads`` (a batch) to the in-transaction subscribers of ``name`` now, and to the
    others after commit."""
    if not payloads:
        return
    for handler in list(_in_transaction[name]):
        handler(payloads)

    def deliver() -> None:
        for handler in list(_after_commit[name]):
            handler(payloads)

    transaction.on_commit(deliver)
