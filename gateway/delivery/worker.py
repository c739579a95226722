"""The delivery worker: takes due outbox rows and delivers them through the school's channels.

On start it first turns rows a crash left ``sending`` into in-doubt ones; an in-doubt row is
resolved by asking the receiver's status before anything is sent again. Each claimed row gets one
attempt (``delivery.attempt``), whose verdict the worker records in the outbox; transient errors
are retried with exponential backoff and jitter, per melding (``delivery.retry``). A lock
conflict in the database (deadlock, serialization failure, busy SQLite file) is rolled back and
logged; the worker carries on with the next round.

A round claims a batch of rows in one transaction, assembles their meldingen in one read,
attempts them (several in flight with ``concurrency`` > 1, each row by one thread, once) and
records all their outcomes in one transaction: two commits per batch instead of two per melding,
and the audit head is taken once per batch. A crash between sending and recording leaves the
batch ``sending``; those rows become in doubt, and the receiver's status is asked before
anything is sent again, as for a single row.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from gateway.config.routes import RoutingPolicy
from gateway.config.school import SchoolConfig, find_school, resolve_env_references, school_profile
from gateway.delivery import outbox
from gateway.delivery.alerts import alert_due_dates
from gateway.delivery.attempt import Outcome, Verdict, attempt, classify
from gateway.delivery.receiver_deadlines import alert_late_receivers
from gateway.delivery.retry import RetryPolicy, next_attempt
from gateway.delivery.routing import RecipientDirectory
from gateway.domain.age import age_on
from gateway.domain.errors import ConfigurationError, GatewayError, IntegrityError, PermanentDeliveryError
from gateway.domain.melding_content import specification_from_json
from gateway.domain.outbox_lifecycle import Operation
from gateway.domain.ports import (
    CHANNELS_GROUP,
    Channel,
    OutgoingMelding,
    Receipt,
    RecipientAddress,
    StudentDetails,
)
from gateway.domain.signals import Signal
from gateway.logging import get_logger
from gateway.store.checkpoint import CheckpointSchedule
from gateway.store.content import decode_content
from gateway.store.engine import Store, utcnow
from gateway.store.schema import meldingen
from gateway.store.students import student_details

# RetryPolicy is part of building a worker (``Worker(store, channels, retry=RetryPolicy(...))``).
__all__ = [
    "ChannelResolver", "PluginChannels", "RetryPolicy", "Worker", "is_lock_conflict", "plugin_channels",
]

log = get_logger("worker")
_MELDINGEN = sa.select(
    meldingen.c.id, meldingen.c.signal, meldingen.c.content, meldingen.c.student_id, meldingen.c.created_at,
    meldingen.c.specification,
).where(meldingen.c.id.in_(sa.bindparam("mids", expanding=True)))
ChannelResolver = Callable[[SchoolConfig, str], Channel]
T = TypeVar("T")

# PostgreSQL: serialization failure, deadlock detected, lock not available. The transaction was
# rolled back and running it again is all that is needed.
_LOCK_CONFLICT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_SQLITE_LOCK_CONFLICTS = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_lock_conflict(exc: sa.exc.OperationalError) -> bool:
    """Whether the database refused the transaction over a lock conflict (not, say, a lost server)."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _LOCK_CONFLICT_SQLSTATES
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_LOCK_CONFLICTS  # primary code of an extended one


class PluginChannels:
    """Channels loaded by name through entry points, built once per school and route; ``close()``
    releases their connections. ``<key>_env`` settings are read from ``environ``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._cache: dict[tuple[str, str], Channel] = {}
        self._environ: Mapping[str, str] = environ or {}
        self._lock = threading.Lock()  # a worker's sending threads share the channels

    def __call__(self, school: SchoolConfig, route: str) -> Channel:
        """The channel for a school's route (built on first use)."""
        from gateway.plugins import load  # noqa: PLC0415 - entry points are read only when used

        key = (school.id, route)
        with self._lock:
            if key not in self._cache:
                options = resolve_env_references(school.channel_options(route), self._environ,
                                                 f"school {school.id}, kanaal {route}")
                self._cache[key] = load(CHANNELS_GROUP, route)(options)
            return self._cache[key]

    def close(self) -> None:
        """Close every channel built so far."""
        with self._lock:
            channels, self._cache = list(self._cache.values()), {}
        for channel in channels:
            channel.close()


def plugin_channels(environ: Mapping[str, str] | None = None) -> PluginChannels:
    """Channels loaded by name through entry points, built once per school and route."""
    return PluginChannels(environ)


@dataclass(frozen=True)
class _Attempted:
    """A claimed row after its attempt: the verdict, and the melding when it could be assembled."""

    claim: outbox.Claim
    outcome: Outcome
    melding: OutgoingMelding | None

    @property
    def receipt(self) -> Receipt:
        """The receipt of a delivered (or already held) melding."""
        if self.outcome.receipt is None:
            raise GatewayError(f"verzending {self.claim.outbox_id} heeft geen ontvangstbewijs")
        return self.outcome.receipt


@dataclass(frozen=True)
class _Decided:
    """What to record for an attempted row, and what to log or alert once it is recorded (called
    with the record's result, e.g. whether a dead letter is new)."""

    record: outbox.Record
    then: Callable[[object], None]


@dataclass
class Worker:
    """One delivery worker; run several (on PostgreSQL) with distinct ``worker_id``s."""

    store: Store
    channels: ChannelResolver
    # Unique per process by default; a fixed unique name lets a restarted worker recover its rows at once.
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(minutes=5)  # per wave of sends in a batch (see ``_claim_and_process``)
    # Rows claimed together in one transaction and recorded together in one (group commit): two
    # commits per batch instead of two per melding. A crash leaves at most a batch in doubt.
    batch: int = 16
    # Attempts in flight at once within a batch (threads); each row is still attempted once.
    concurrency: int = 1
    directory: RecipientDirectory | None = None  # mail recipients; required once a route is mail
    today: Callable[[], date] = date.today  # the clock for due dates (fallback, alerts)
    due_alert_workdays: int = 2  # alert when an undelivered melding is due within this many working days
    due_check_every: float = 300.0  # seconds between due-date checks in ``run``
    # DUO's status poll (gateway.pipeline.status_polling.poll_due, given by the composition root: the
    # pipeline sits above this wing): called with the clock's now every ``status_check_every`` seconds
    # in ``run``; each school's own interval decides whether DUO is asked. None: no polling.
    status_poller: Callable[[datetime], object] | None = None
    status_check_every: float = 60.0
    checkpoints: CheckpointSchedule | None = None  # signed audit checkpoints on a schedule; off by default
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # the checkpoints' clock (aware, UTC)
    _next_checkpoint: datetime | None = None
    _schools: dict[str, SchoolConfig] = field(default_factory=dict)
    _policies: dict[str, RoutingPolicy] = field(default_factory=dict)
    delivered: int = 0
    _senders: ThreadPoolExecutor | None = None

    def recover(self) -> int:
        """At start-up: rows left ``sending`` by a crash of this worker name (or with a lapsed lease)
        become in doubt."""
        count = outbox.recover(self.store, self.worker_id)
        if count:
            log.warning("onderbroken verzendingen onzeker gemaakt", worker=self.worker_id, rows=count)
        return count

    def recover_lapsed(self) -> int:
        """While idle: rows whose lease ran out (their worker died) become in doubt. Never by name:
        another live worker may carry the same name, and its rows are still being sent."""
        count = outbox.recover_lapsed(self.store, self.worker_id)
        if count:
            log.warning("verzendingen met verlopen lease onzeker gemaakt", worker=self.worker_id, rows=count)
        return count

    def _school(self, school_id: str) -> SchoolConfig:
        if school_id not in self._schools:
            with self.store.read() as conn:
                found = find_school(conn, school_id)
            if found is None:
                raise PermanentDeliveryError(f"school '{school_id}' is niet (meer) geregistreerd")
            self._schools[school_id] = found
        return self._schools[school_id]

    def outgoing(self, claim: outbox.Claim) -> OutgoingMelding:
        """Assemble what the channel needs: school, student (decrypted), signal and content."""
        [assembled] = self._assemble_all([claim])
        if isinstance(assembled, Exception):
            raise assembled
        return assembled

    def _assemble_all(self, claims: list[outbox.Claim]) -> list[OutgoingMelding | Exception]:
        """Assemble the claimed rows' meldingen in one read (one connection, one query for the
        meldingen); a melding that cannot be assembled gets the error instead, to be classified."""
        with self.store.read() as conn:
            found = {
                row.id: row
                for row in conn.execute(_MELDINGEN, {"mids": sorted({c.melding_id for c in claims})})
            }
            assembled: list[OutgoingMelding | Exception] = []
            for claim in claims:
                try:
                    assembled.append(self._assemble(conn, claim, found.get(claim.melding_id)))
                except Exception as exc:  # noqa: BLE001 - classified per row: no melding may stop the worker
                    assembled.append(exc)
        return assembled

    def _assemble(self, conn: sa.Connection, claim: outbox.Claim, row: Any) -> OutgoingMelding:
        """One claimed row's melding from its stored ``row`` (None: it is gone)."""
        if row is None:
            raise PermanentDeliveryError(f"melding {claim.melding_id} ontbreekt in de opslag")
        school = self._school(claim.school_id)
        details = student_details(conn, self.store.cipher, claim.school_id, row.student_id)
        if details is None:
            raise PermanentDeliveryError(f"leerling van melding {claim.melding_id} ontbreekt in de opslag")
        content = decode_content(self.store.cipher, claim.melding_id, row.content)
        signal = Signal.from_json(json.loads(row.signal))
        recipients = self.recipients(signal, details) if claim.route == "mail" else ()
        return OutgoingMelding(
            melding_id=claim.melding_id,
            message_id=claim.melding_id,
            school=school.identity(),
            student=details,
            signal=signal,
            content=content,
            recipients=recipients,
            created_at=row.created_at,
            specification=specification_from_json(json.loads(row.specification or "null")),
        )

    def recipients(self, signal: Signal, student: StudentDetails) -> tuple[RecipientAddress, ...]:
        """Mail recipients from the directory: the student's woongemeente and age on the trigger date."""
        if self.directory is None:
            raise ConfigurationError("geen ontvangersregister ingesteld: meldingen per mail kunnen niet weg")
        age = age_on(student.birth_date, signal.trigger_date)
        return tuple(self.directory.route(signal, student.woongemeente, age))

    def policy(self, school_id: str) -> RoutingPolicy:
        """The school's routing policy (its profile's routes with the school's own on top)."""
        if school_id not in self._policies:
            school = self._school(school_id)
            self._policies[school_id] = school.routing_policy(school_profile(school).routes)
        return self._policies[school_id]

    def run_once(self, now: datetime | None = None) -> bool:
        """Deliver one due row; False when nothing was due, or a lock conflict ended this round."""
        return self.run_round(now, limit=1) > 0

    def run_round(self, now: datetime | None = None, limit: int | None = None) -> int:
        """Claim up to ``limit`` (default ``batch``) due rows in one transaction, attempt them
        (``concurrency`` at a time) and record their outcomes in one transaction; the rows handled
        (0 when nothing was due, or a lock conflict ended this round)."""
        size = max(1, limit if limit is not None else self.batch)
        return self._despite_lock_conflicts(lambda: self._claim_and_process(now, size), 0)

    def _claim_and_process(self, now: datetime | None, limit: int) -> int:
        # The rows are sent in waves of ``concurrency``: the lease covers each wave, so no row's
        # lease runs out (and another worker takes it over) while it is still to be sent.
        waves = -(-limit // max(1, self.concurrency))
        claims = outbox.claim_many(self.store, self.worker_id, self.lease * waves, limit, now)
        if claims:
            self._process(claims)
        return len(claims)

    def _despite_lock_conflicts(self, step: Callable[[], T], instead: T) -> T:
        """Run ``step``; a lock conflict in the database gives ``instead`` rather than ending the worker.

        ``Store.write()`` has rolled the transaction back by then. When it was the outcome of a send
        that got lost, the row stays ``sending`` until its lease runs out and then becomes in doubt,
        so the receiver's status is asked before anything is sent again.
        """
        try:
            return step()
        except sa.exc.OperationalError as exc:
            if not is_lock_conflict(exc):
                raise
            log.warning(
                "databaseconflict: transactie teruggedraaid, de worker gaat door",
                worker=self.worker_id,
                error=type(exc.orig).__name__,
            )
            return instead

    @property
    def actor(self) -> str:
        """How this worker signs the audit log."""
        return f"worker:{self.worker_id}"

    def _process(self, claims: list[outbox.Claim]) -> None:
        """Attempt the claimed rows (several in flight when ``concurrency`` allows), then record
        every outcome in one transaction and only then log and alert."""
        decided = [self._decide(done) for done in self._attempt_all(claims)]
        self._record(decided)

    def _attempt_all(self, claims: list[outbox.Claim]) -> list[_Attempted]:
        """One attempt per claimed row, each exactly once; in threads when ``concurrency`` > 1."""
        prepared = list(zip(claims, self._assemble_all(claims), strict=True))
        if self.concurrency <= 1 or len(claims) == 1:
            return [self._attempt(each) for each in prepared]
        if self._senders is None:
            self._senders = ThreadPoolExecutor(self.concurrency, thread_name_prefix="verzender")
        return list(self._senders.map(self._attempt, prepared))

    def _record(self, decided: list[_Decided]) -> None:
        """Record the outcomes in one transaction (group commit); after a lock conflict the batch
        was rolled back and its rows are still this worker's, so each is recorded on its own."""
        try:
            results = outbox.record_all(self.store, [d.record for d in decided], self.actor)
        except sa.exc.OperationalError as exc:
            if len(decided) == 1 or not is_lock_conflict(exc):
                raise
            for each in decided:
                self._despite_lock_conflicts(partial(self._record, [each]), None)
            return
        for each, result in zip(decided, results, strict=True):
            each.then(result)

    def _decide(self, done: _Attempted) -> _Decided:
        """What the verdict calls for: the outcome to record, and what to log once it is recorded."""
        decide: dict[Verdict, Callable[[_Attempted], _Decided]] = {
            Verdict.DELIVERED: self._delivered,
            Verdict.ALREADY_HELD: self._already_held,
            Verdict.TRANSIENT: self._unreachable,
            Verdict.STATUS_FAILED: self._retry_later,
            Verdict.IN_DOUBT: self._in_doubt,
            Verdict.UNEXPECTED: self._unexpected,
            Verdict.REJECTED: self._rejected,
            Verdict.UNROUTABLE: self._held_back,
            Verdict.MISCONFIGURED: self._misconfigured,
        }
        return decide[done.outcome.verdict](done)

    def _attempt(self, prepared: tuple[outbox.Claim, OutgoingMelding | Exception]) -> _Attempted:
        """Find the route's channel for the assembled melding and make the attempt; every failure
        (assembling the melding included) is a verdict."""
        claim, melding = prepared
        if isinstance(melding, Exception):
            return _Attempted(claim, classify(melding), None)
        try:
            channel = self.channels(self._school(claim.school_id), claim.route)
        except Exception as exc:  # noqa: BLE001 - classified: no melding may stop the worker
            return _Attempted(claim, classify(exc), None)
        outcome = attempt(
            channel, melding, withdraw=claim.operation is Operation.WITHDRAW, in_doubt=claim.in_doubt
        )
        return _Attempted(claim, outcome, melding)

    def _delivered(self, done: _Attempted) -> _Decided:
        def then(_: object) -> None:
            self.delivered += 1

        return _Decided(outbox.Delivered(done.claim, done.receipt), then)

    def _already_held(self, done: _Attempted) -> _Decided:
        def then(_: object) -> None:
            log.info("onzekere melding was al ontvangen", melding=done.claim.melding_id)

        return _Decided(outbox.Delivered(done.claim, done.receipt), then)

    def _unreachable(self, done: _Attempted) -> _Decided:
        """A transient failure: fall back to mail when the policy says so, else retry with backoff."""
        return self._fallback(done) or self._retry_later(done)

    def _fallback(self, done: _Attempted) -> _Decided | None:
        """Re-route to mail when DUO stayed unreachable near the due date; None when it does not."""
        claim, melding = done.claim, done.melding
        if claim.operation is not Operation.DELIVER or claim.route != "duo" or melding is None:
            return None
        # A melding DUO may hold already (an in-doubt attempt) never falls back: a mail as well would
        # report it twice. An in-doubt row keeps asking DUO's status first; the due-date alert warns
        # a person in time.
        if outbox.may_be_held(self.store, claim):
            return None
        try:
            # Every earlier attempt of this row failed transiently (a receipt finishes the row, a
            # rejection makes it a dead letter, an in-doubt answer keeps it in doubt, put-backs are
            # not counted), so its attempt count is the run of DUO failures; a replay starts afresh.
            decision = self.policy(claim.school_id).decide(
                melding.signal, as_of=self.today(), duo_failures=claim.attempts
            )
        except GatewayError as exc:  # e.g. the school's profile no longer loads: retry on DUO
            log.warning("terugval niet te bepalen", melding=claim.melding_id, reason=str(exc))
            return None
        if decision is None or decision.reason != "fallback":
            return None

        def then(_: object) -> None:
            log.warning("terugval naar mail", melding=claim.melding_id, reason=decision.detail)

        return _Decided(outbox.Fallback(claim, done.outcome.error, decision.detail), then)

    def _retry_later(self, done: _Attempted) -> _Decided:
        """Schedule the next attempt with backoff (an in-doubt row stays in doubt), or dead-letter it."""
        claim, error = done.claim, done.outcome.error
        retry = next_attempt(done.outcome, self.retry, attempts=claim.attempts, in_doubt=claim.in_doubt)
        if retry is None:
            return self._dead(outbox.Dead(claim, f"{error} (na {claim.attempts} pogingen)"), error)
        next_at = utcnow() + retry.wait

        def then(_: object) -> None:
            log.info(
                "tijdelijke fout, nieuwe poging gepland",
                melding=claim.melding_id,
                attempt=claim.attempts,
                next_attempt_at=next_at.isoformat(),
            )

        return _Decided(outbox.Retry(claim, error, next_at), then)

    def _in_doubt(self, done: _Attempted) -> _Decided:
        def then(_: object) -> None:
            log.warning("verzending onzeker", melding=done.claim.melding_id)

        return self._record_in_doubt(done, then)

    def _unexpected(self, done: _Attempted) -> _Decided:
        def then(_: object) -> None:
            log.error(
                "onverwachte fout in kanaal",
                melding=done.claim.melding_id,
                error=type(done.outcome.cause).__name__,
                exc_info=done.outcome.cause,
            )

        return self._record_in_doubt(done, then)

    def _record_in_doubt(self, done: _Attempted, then: Callable[[object], None]) -> _Decided:
        """Ask the receiver's status after the in-doubt delay; a dead letter once the attempts ran out."""
        claim, error = done.claim, done.outcome.error
        retry = next_attempt(done.outcome, self.retry, attempts=claim.attempts, in_doubt=claim.in_doubt)
        if retry is None:
            reason = f"{error} (onzeker na {claim.attempts} pogingen; controleer bij de ontvanger)"
            return self._dead(outbox.Dead(claim, reason, maybe_received=True), error)
        return _Decided(outbox.Unanswered(claim, error, utcnow() + retry.wait), then)

    def _rejected(self, done: _Attempted) -> _Decided:
        return self._dead(outbox.Dead(done.claim, done.outcome.error), done.outcome.error)

    def _dead(self, record: outbox.Dead, reason: str) -> _Decided:
        """A dead letter, alerted the first time (``record_all`` gives True then)."""

        def then(first: object) -> None:
            if first:
                self._alert_dead(record.claim, reason)

        return _Decided(record, then)

    def _alert_dead(self, claim: outbox.Claim, reason: str) -> None:
        log.warning("alert: melding onbestelbaar", melding=claim.melding_id, route=claim.route, reason=reason)

    def _held_back(self, done: _Attempted) -> _Decided:
        """No recipient: the row waits ``routing_delay`` without counting the attempt (alert once)."""
        claim, error = done.claim, done.outcome.error
        next_at = utcnow() + timedelta(seconds=self.retry.routing_delay)

        def then(new: object) -> None:
            if new:
                log.warning("alert: melding niet te routeren", melding=claim.melding_id, route=claim.route,
                            reason=error)

        return _Decided(outbox.HeldBack(claim, error, next_at), then)

    def _misconfigured(self, done: _Attempted) -> _Decided:
        """Nothing was sent: the row goes back and the school's route is paused (alert once)."""
        claim, error = done.claim, done.outcome.error

        def then(new: object) -> None:
            if new:
                log.warning("alert: route gepauzeerd, kanaal verkeerd ingesteld", school=claim.school_id,
                            route=claim.route, reason=error)

        return _Decided(outbox.Misconfigured(claim, error), then)

    def check_due_dates(self) -> int:
        """Alert (log + audit, once per melding) on undelivered meldingen whose due date is near, and
        on delivered ones whose receiver is late (gateway.delivery.receiver_deadlines)."""
        alerts = alert_due_dates(self.store, self.today(), self.due_alert_workdays, self.actor)
        for a in alerts:
            log.warning(
                "alert: uiterste melddatum in gevaar",
                melding=a.melding_id,
                school=a.school_id,
                rule=a.rule,
                status=a.status,
                due_date=a.due_date.isoformat(),
                working_days_left=a.working_days_left,
                waiting_for=list(a.waiting_for),
            )
        late = alert_late_receivers(self.store, self.today(), self.actor)
        for r in late:
            log.warning("alert: ontvanger te laat", melding=r.melding_id, school=r.school_id, rule=r.rule,
                        recipient=r.recipient, kind=r.kind.value, deadline=r.deadline.isoformat(),
                        days_late=r.days_late)
        return len(alerts) + len(late)

    def poll_statuses(self) -> object:
        """Ask the receivers what changed (the ``status_poller``), despite lock conflicts; its result."""
        poller = self.status_poller
        if poller is None:
            return None
        return self._despite_lock_conflicts(lambda: poller(self.clock()), None)

    def checkpoint_if_due(self) -> Path | None:
        """Write a signed audit checkpoint when the schedule says one is due; returns its file.

        A broken chain or an unwritable folder is an alert, not the end of the worker: meldingen
        must still go out, and the next turn of the schedule tries again.
        """
        schedule, now = self.checkpoints, self.clock()
        if schedule is None or (self._next_checkpoint is not None and now < self._next_checkpoint):
            return None
        self._next_checkpoint = now + schedule.every
        try:
            path = schedule.write_now(self.store, now)
        except (IntegrityError, OSError) as exc:
            log.warning("alert: geen auditcontrolepunt geschreven", reason=str(exc))
            return None
        log.info("auditcontrolepunt geschreven", path=str(path))
        return path

    def close(self) -> None:
        """Stop the sending threads and release the channels' connections (when the resolver can)."""
        if self._senders is not None:
            self._senders.shutdown()
            self._senders = None
        close = getattr(self.channels, "close", None)
        if callable(close):
            close()

    def run(self, stop: threading.Event, idle_wait: float = 1.0, max_items: int | None = None) -> int:
        """Recover, then deliver until ``stop`` is set (or ``max_items`` were handled); returns the count."""
        self.recover()
        handled = 0
        next_due_check = next_status_check = time.monotonic()
        while not stop.is_set() and (max_items is None or handled < max_items):
            if time.monotonic() >= next_due_check:
                self.check_due_dates()
                next_due_check = time.monotonic() + self.due_check_every
            if time.monotonic() >= next_status_check:
                self.poll_statuses()
                next_status_check = time.monotonic() + self.status_check_every
            self.checkpoint_if_due()
            limit = self.batch if max_items is None else min(self.batch, max_items - handled)
            done = self.run_round(limit=limit)
            if done:
                handled += done
            else:
                self._despite_lock_conflicts(self.recover_lapsed, 0)  # rows of workers that died
                stop.wait(idle_wait)
        return handled
