"""Claiming, completing and purging ``Idempotency-Key`` rows.

``idempotency_claim`` is insert-first: the unique constraint per owner and key decides which of
two racing requests runs; the loser reads the winner's row under ``select_for_update`` and is
told what to answer. A claim left in progress by a request that died (no answer after
``ABANDONED_AFTER``), or a row older than the retention period, is taken over by the next request.
"""

import datetime
import enum
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import IdempotencyKey

ABANDONED_AFTER = datetime.timedelta(minutes=5)


class Claim(enum.Enum):
    RUN = "run"  # this request holds the key: run it, then complete or release the claim
    REPLAY = "replay"  # the same request already completed: answer its stored response
    IN_PROGRESS = "in_progress"  # the same key is held by a request still running: 409
    MISMATCH = "mismatch"  # the key was used for another request (body, method or path): 422


@dataclass(frozen=True)
class Fingerprint:
    method: str
    path: str
    body_sha256: str


def retention() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.CROSSDOCK_IDEMPOTENCY_TTL_HOURS)


def idempotency_claim(
    *, owner: dict, key: str, request: Fingerprint, now: datetime.datetime | None = None
) -> tuple[Claim, IdempotencyKey | None]:
    """Claim ``key`` for ``owner`` (``{"merchant": m}``, ``{"partner": p}`` or ``{"user": u}``)."""
    now = now or timezone.now()
    fields = {"method": request.method, "path": request.path[:2000], "body_sha256": request.body_sha256}
    for _ in range(3):
        try:
            with transaction.atomic():
                return Claim.RUN, IdempotencyKey.objects.create(
                    **owner, key=key, **fields, status=IdempotencyKey.Status.IN_PROGRESS, locked_at=now, created_at=now
                )
        except IntegrityError:
            pass
        with transaction.atomic():
            record = IdempotencyKey.objects.select_for_update().filter(**owner, key=key).first()
            if record is None:
                continue  # released or purged since the insert failed: try again
            expired = record.created_at <= now - retention()
            abandoned = record.status == IdempotencyKey.Status.IN_PROGRESS and record.locked_at <= now - ABANDONED_AFTER
            if expired or abandoned:
                for name, value in fields.items():
                    setattr(record, name, value)
                record.status, record.locked_at, record.created_at = IdempotencyKey.Status.IN_PROGRESS, now, now
                record.response_status, record.response_content_type, record.response_body = None, "", b""
                record.completed_at = None
                record.save()
                return Claim.RUN, record
            if (record.method, record.path, record.body_sha256) != tuple(fields.values()):
                return Claim.MISMATCH, record
            if record.status == IdempotencyKey.Status.IN_PROGRESS:
                return Claim.IN_PROGRESS, record
            return Claim.REPLAY, record
    raise RuntimeError(f"Could not claim the idempotency key {key!r}.")


def idempotency_complete(*, record: IdempotencyKey, status: int, content_type: str, body: bytes) -> None:
    """Store the answer of the request that held the claim, for its retries to replay."""
    IdempotencyKey.objects.filter(pk=record.pk, status=IdempotencyKey.Status.IN_PROGRESS).update(
        status=IdempotencyKey.Status.COMPLETED,
        response_status=status,
        response_content_type=content_type[:100],
        response_body=body,
        completed_at=timezone.now(),
    )


def idempotency_release(*, record: IdempotencyKey) -> None:
    """Forget a claim whose request failed: nothing was written, so the key may be used again."""
    IdempotencyKey.objects.filter(pk=record.pk, status=IdempotencyKey.Status.IN_PROGRESS).delete()


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the keys older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - retention()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
