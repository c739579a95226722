"""The transactional outbox, the one writer of outbox rows: queueing a melding's deliveries and
withdrawals, claiming due rows, recording outcomes, and the operator's levers.

Row states and the moves between them are ``gateway.domain.outbox_lifecycle``; every move here is
checked against that table. Retry state lives per row (no head-of-line blocking). Claims use
``FOR UPDATE SKIP LOCKED`` on PostgreSQL and the database write lock on SQLite, so several workers
never take the same row. A worker claims a batch of rows in one transaction (``claim_many``) and
records the batch's outcomes in one (``record_all``, which locks all its meldingen in id order
first and appends its audit entries last, taking the audit head once).

Lock order (PostgreSQL): every transaction that changes a melding and its outbox rows locks the
melding's row first, then its outbox rows, and appends to the audit log (which locks the audit
head) last. The API keeps the first half by construction: the row writers (``rows``) take a
``Locked`` that only locking the melding gives, and touch only that melding's rows; the functions
here that write rows in the caller's transaction (``queue_delivery``, ``release_held``,
``withdraw_deliveries``) lock the melding themselves and append nothing to the audit log, so the
caller audits after them. ``pipeline.evaluate`` locks every active melding of the students it
evaluates before its first audit entry. Two transactions that took the rows the other way round
could each wait for the other (deadlock).
"""

from gateway.delivery.outbox.claiming import (
    Claim,
    claim,
    claim_many,
    recover,
    recover_lapsed,
)
from gateway.delivery.outbox.levers import ATTENTION, list_pauses, list_rows, pause, replay, resume, retry_now
from gateway.delivery.outbox.outcomes import (
    FALLBACK_ROUTE,
    Dead,
    Delivered,
    Fallback,
    HeldBack,
    Misconfigured,
    Record,
    Retry,
    Unanswered,
    may_be_held,
    pause_misconfigured,
    record_all,
    record_dead,
    record_fallback,
    record_held_back,
    record_in_doubt,
    record_receipt,
    record_transient,
)
from gateway.delivery.outbox.queueing import queue_delivery, release_held, withdraw_deliveries
from gateway.delivery.outbox.rows import Request

__all__ = [
    "ATTENTION",
    "FALLBACK_ROUTE",
    "Claim",
    "Dead",
    "Delivered",
    "Fallback",
    "HeldBack",
    "Misconfigured",
    "Record",
    "Request",
    "Retry",
    "Unanswered",
    "claim",
    "claim_many",
    "list_pauses",
    "list_rows",
    "may_be_held",
    "pause",
    "pause_misconfigured",
    "queue_delivery",
    "record_all",
    "record_dead",
    "record_fallback",
    "record_held_back",
    "record_in_doubt",
    "record_receipt",
    "record_transient",
    "recover",
    "recover_lapsed",
    "release_held",
    "replay",
    "resume",
    "retry_now",
    "withdraw_deliveries",
]
