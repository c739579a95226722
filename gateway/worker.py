"""The delivery worker: takes due outbox rows and delivers them through the school's channels.

On start it first turns rows a crash left ``sending`` into in-doubt ones; an in-doubt row is
resolved by asking the receiver's status before anything is sent again. Transient errors are
retried with exponential backoff and jitter (tenacity's wait strategy), per melding.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import tenacity

from gateway import outbox
from gateway.errors import InDoubtDeliveryError, PermanentDeliveryError, TransientDeliveryError
from gateway.logging import get_logger
from gateway.ports import CHANNELS_GROUP, Channel, MeldingContent, OutgoingMelding, Receipt
from gateway.school import SchoolConfig
from gateway.signals import Signal
from gateway.store.engine import Store, utcnow
from gateway.store.schema import meldingen, schools
from gateway.store.students import student_details

log = get_logger("worker")
_MELDING = sa.select(
    meldingen.c.signal, meldingen.c.content, meldingen.c.student_id, meldingen.c.created_at
).where(meldingen.c.id == sa.bindparam("mid"))
ChannelResolver = Callable[[SchoolConfig, str], Channel]


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient failures (seconds), the attempt limit, and the in-doubt recheck delay."""

    initial: float = 2.0
    maximum: float = 3600.0
    jitter: float = 2.0
    max_attempts: int = 15
    in_doubt_delay: float = 30.0

    def delay(self, attempt: int) -> timedelta:
        """The wait before attempt ``attempt + 1`` (tenacity's exponential backoff with jitter)."""
        wait = tenacity.wait_exponential_jitter(multiplier=self.initial, max=self.maximum, jitter=self.jitter)
        state = tenacity.RetryCallState(retry_object=tenacity.Retrying(), fn=None, args=(), kwargs={})
        state.attempt_number = attempt
        return timedelta(seconds=wait(state))


def signal_from_json(data: dict[str, Any]) -> Signal:
    """Rebuild a Signal from its stored JSON."""

    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(value) if value else None

    return Signal(
        rule=data["rule"],
        kind=data["kind"],
        student_id=data["student_id"],
        recipient=data["recipient"],
        trigger_date=date.fromisoformat(data["trigger_date"]),
        period_start=date.fromisoformat(data["period_start"]),
        period_end=day("period_end"),
        due_date=day("due_date"),
        hours=data.get("hours"),
        actie_gewenst=data.get("actie_gewenst"),
        legal_basis=data.get("legal_basis", ""),
        evidence=tuple(data.get("evidence", ())),
        explanation=data.get("explanation", ""),
        profile=data.get("profile", ""),
        profile_version=data.get("profile_version", ""),
    )


def plugin_channels() -> ChannelResolver:
    """Channels loaded by name through entry points, built once per school and route."""
    from gateway.plugins import load  # noqa: PLC0415 - entry points are read only when used

    cache: dict[tuple[str, str], Channel] = {}

    def resolve(school: SchoolConfig, route: str) -> Channel:
        key = (school.id, route)
        if key not in cache:
            cache[key] = load(CHANNELS_GROUP, route)(school.channels.get(route, {}))
        return cache[key]

    return resolve


@dataclass
class Worker:
    """One delivery worker; run several (on PostgreSQL) with distinct ``worker_id``s."""

    store: Store
    channels: ChannelResolver
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:worker")
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(minutes=5)
    _schools: dict[str, SchoolConfig] = field(default_factory=dict)
    delivered: int = 0

    def recover(self) -> int:
        """Turn rows left ``sending`` by a crash of this worker (or with a lapsed lease) into in-doubt."""
        count = outbox.recover(self.store, self.worker_id)
        if count:
            log.warning("onderbroken verzendingen onzeker gemaakt", worker=self.worker_id, rows=count)
        return count

    def _school(self, school_id: str) -> SchoolConfig:
        if school_id not in self._schools:
            with self.store.read() as conn:
                text = conn.scalar(sa.select(schools.c.config).where(schools.c.id == school_id))
            if text is None:
                raise PermanentDeliveryError(f"school '{school_id}' is niet (meer) geregistreerd")
            self._schools[school_id] = SchoolConfig.model_validate_json(text)
        return self._schools[school_id]

    def outgoing(self, claim: outbox.Claim) -> OutgoingMelding:
        """Assemble what the channel needs: school, student (decrypted), signal and content."""
        school = self._school(claim.school_id)
        with self.store.engine.connect() as conn:
            row = conn.execute(_MELDING, {"mid": claim.melding_id}).one()
            details = student_details(conn, self.store.cipher, claim.school_id, row.student_id)
        if details is None:
            raise PermanentDeliveryError(f"leerling van melding {claim.melding_id} ontbreekt in de opslag")
        content = MeldingContent(**json.loads(row.content)) if row.content else MeldingContent()
        signal = signal_from_json(json.loads(row.signal))
        return OutgoingMelding(
            melding_id=claim.melding_id,
            message_id=claim.melding_id,
            school=school.identity(),
            student=details,
            signal=signal,
            content=content,
            created_at=row.created_at,
        )

    def run_once(self, now: datetime | None = None) -> bool:
        """Deliver one due row; False when nothing was due."""
        claim = outbox.claim(self.store, self.worker_id, self.lease, now)
        if claim is None:
            return False
        self._process(claim)
        return True

    def _process(self, claim: outbox.Claim) -> None:
        actor = f"worker:{self.worker_id}"
        try:
            melding = self.outgoing(claim)
            channel = self.channels(self._school(claim.school_id), claim.route)
            if claim.in_doubt:
                report = channel.status(melding)
                if report is not None and report.found:
                    receipt = Receipt(
                        message_id=melding.message_id,
                        channel=claim.route,
                        receiver_reference=report.receiver_reference,
                        received_at=utcnow(),
                        status=report.status,
                        detail="bevestigd via statusvraag",
                    )
                    outbox.record_receipt(self.store, claim, receipt, actor)
                    log.info("onzekere melding was al ontvangen", melding=claim.melding_id)
                    return
            if claim.operation == "withdraw":
                receipt = channel.withdraw(melding, "signaal vervallen na correctie")
            else:
                receipt = channel.deliver(melding)
        except TransientDeliveryError as exc:
            next_at = utcnow() + self.retry.delay(claim.attempts)
            if outbox.record_transient(self.store, claim, str(exc), next_at, actor, self.retry.max_attempts):
                log.info(
                    "tijdelijke fout, nieuwe poging gepland",
                    melding=claim.melding_id,
                    attempt=claim.attempts,
                    next_attempt_at=next_at.isoformat(),
                )
            return
        except PermanentDeliveryError as exc:
            self._dead(claim, exc.receiver_text or str(exc), actor)
            return
        except InDoubtDeliveryError as exc:
            next_at = utcnow() + timedelta(seconds=self.retry.in_doubt_delay)
            outbox.record_in_doubt(self.store, claim, str(exc), next_at, actor)
            log.warning("verzending onzeker", melding=claim.melding_id)
            return
        except Exception as exc:
            next_at = utcnow() + timedelta(seconds=self.retry.in_doubt_delay)
            outbox.record_in_doubt(
                self.store, claim, f"onverwachte fout: {type(exc).__name__}", next_at, actor
            )
            log.exception("onverwachte fout in kanaal", melding=claim.melding_id, error=type(exc).__name__)
            return
        outbox.record_receipt(self.store, claim, receipt, actor)
        self.delivered += 1

    def _dead(self, claim: outbox.Claim, reason: str, actor: str) -> None:
        if outbox.record_dead(self.store, claim, reason, actor):
            log.warning(
                "alert: melding onbestelbaar", melding=claim.melding_id, route=claim.route, reason=reason
            )

    def run(self, stop: threading.Event, idle_wait: float = 1.0, max_items: int | None = None) -> int:
        """Recover, then deliver until ``stop`` is set (or ``max_items`` were handled); returns the count."""
        self.recover()
        handled = 0
        while not stop.is_set() and (max_items is None or handled < max_items):
            if self.run_once():
                handled += 1
            else:
                outbox.recover(self.store, self.worker_id)  # rows of workers whose lease ran out
                stop.wait(idle_wait)
        return handled
