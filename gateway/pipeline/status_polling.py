"""Polling DUO's status operation: what changed at DUO reaches the meldingen without anyone pushing it.

For every registered school with a ``[channels.duo]`` table whose poll is due (``status_polls``),
the school's channel is asked for the status changes since the school's cursor, and each change is
applied through ``pipeline.record_feedback``, the one way a receiver's status reaches a melding. The
cursor moves to the newest change seen only after every change was applied, so a failure halfway
asks again and a change already applied is recognised (same status) and not applied twice. A failed
poll is tried again with the delivery backoff (``delivery.retry``); a good one waits the school's
interval (``status_poll_minutes`` in ``[channels.duo]``, default 60).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import sqlalchemy as sa

from gateway.config.school import SchoolConfig, registered_schools
from gateway.delivery.retry import RetryPolicy
from gateway.domain.errors import ConfigurationError, DeliveryError, GatewayError, IllegalTransition
from gateway.domain.ports import Channel, SchoolIdentity
from gateway.domain.receiver_status import (
    AFGESLOTEN,
    REDENEN_AFGESLOTEN,
    TOELICHTINGEN_AFSLUITING,
    ReceiverOutcome,
    normalise,
)
from gateway.logging import get_logger
from gateway.pipeline.review import record_feedback
from gateway.store.engine import Store
from gateway.store.schema import meldingen, status_polls

log = get_logger("statuspoll")

ROUTE = "duo"
INTERVAL_SETTING = "status_poll_minutes"  # in [channels.duo]
DEFAULT_EVERY = timedelta(minutes=60)
# The first poll of a school asks from its earliest delivery at DUO, less this margin for the
# difference between DUO's clock and ours (a change seen twice is recognised and skipped).
FIRST_POLL_MARGIN = timedelta(days=1)
ACTOR = "duo-statuspoll"

ChannelResolver = Callable[[SchoolConfig, str], Channel]


class ReportedChange(Protocol):
    """One melding's status as the receiver reports it (``adapters.duo.channel.StatusChange``)."""

    @property
    def message_id(self) -> str: ...
    @property
    def receiver_reference(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def changed_at(self) -> datetime | None: ...
    @property
    def reden(self) -> str | None: ...
    @property
    def toelichting_afsluiting(self) -> str | None: ...


@runtime_checkable
class StatusChanges(Protocol):
    """A channel that can say what changed since a moment (DUO's status operation)."""

    def changes_since(self, school: SchoolIdentity, since: datetime) -> Sequence[ReportedChange]:
        """The school's meldingen whose status changed at or after ``since`` (aware, UTC)."""
        ...


@dataclass
class PollResult:
    """What one round of polling did: schools polled, changes applied, recognised as already
    applied, skipped (unknown kenmerk or status), refused by the melding's state, and failed polls."""

    polled: int = 0
    applied: int = 0
    unchanged: int = 0
    skipped: int = 0
    refused: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _PollState:
    """A school's row in ``status_polls`` (defaults before its first poll)."""

    since: datetime | None = None
    failures: int = 0


def poll_due(  # noqa: PLR0913  the worker's one call: everything after ``channels`` by name
    store: Store, channels: ChannelResolver, *, now: datetime, actor: str = ACTOR,
    every: timedelta = DEFAULT_EVERY, retry: RetryPolicy | None = None,
) -> PollResult:
    """Poll DUO for every school whose status poll is due at ``now`` and apply what changed.
    ``every`` is the interval of a school that sets none; ``retry`` the backoff after a failure."""
    poller = _Poller(store, channels, _naive(now), actor, every, retry or RetryPolicy())
    for school, state in _due(store, poller.now):
        poller.poll(school, state)
    if poller.result.applied:
        log.info("statuswijzigingen van DUO verwerkt", applied=poller.result.applied,
                 polled=poller.result.polled)
    return poller.result


def _due(store: Store, now: datetime) -> list[tuple[SchoolConfig, _PollState]]:
    """Registered schools with a DUO channel whose poll is due, with their poll state."""
    with store.read() as conn:
        configs = registered_schools(conn)
        rows = {row.school_id: row for row in conn.execute(
            sa.select(status_polls).where(status_polls.c.route == ROUTE))}
    due = []
    for school in configs:
        row = rows.get(school.id)
        if ROUTE not in school.channels or (row is not None and row.next_poll_at > now):
            continue
        due.append((school, _PollState() if row is None else _PollState(row.since, row.failures)))
    return due


@dataclass
class _Poller:
    """One round of polling: its settings and what it did."""

    store: Store
    channels: ChannelResolver
    now: datetime  # naive UTC, as the store keeps times
    actor: str
    every: timedelta
    retry: RetryPolicy
    result: PollResult = field(default_factory=PollResult)

    def poll(self, school: SchoolConfig, state: _PollState) -> None:
        """One school's poll: ask, apply, then move the cursor; a failure backs off and keeps it."""
        self.result.polled += 1
        try:
            every = interval(school, self.every)
            source = self.channels(school, ROUTE)
            since = state.since or _first_since(self.store, school.id)
            if since is None or not isinstance(source, StatusChanges):  # nothing at DUO yet / cannot ask
                _save(self.store, school.id, _PollState(state.since), self.now + every)
                return
            changes = source.changes_since(school.identity(), since.replace(tzinfo=UTC))
        except (DeliveryError, ConfigurationError) as exc:
            failures = state.failures + 1
            log.warning("statusopvraging bij DUO mislukt", school=school.id, failures=failures,
                        error=str(exc))
            _save(self.store, school.id, _PollState(state.since, failures),
                  self.now + self.retry.delay(failures), last_error=str(exc))
            self.result.failed += 1
            return
        newest = apply_changes(self.store, school.id, changes, self.actor, self.result)
        _save(self.store, school.id, _PollState(max(since, newest or since)), self.now + every)


def interval(school: SchoolConfig, default: timedelta = DEFAULT_EVERY) -> timedelta:
    """The school's poll interval (``status_poll_minutes`` in ``[channels.duo]``)."""
    value = school.channels.get(ROUTE, {}).get(INTERVAL_SETTING)
    if value is None:
        return default
    try:
        minutes = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"school {school.id}, kanaal duo: {INTERVAL_SETTING} moet een getal zijn") from exc
    if minutes <= 0:
        raise ConfigurationError(f"school {school.id}, kanaal duo: {INTERVAL_SETTING} moet groter "
                                 f"dan 0 zijn, niet {value}")
    return timedelta(minutes=minutes)


def apply_changes(store: Store, school_id: str, changes: Sequence[ReportedChange], actor: str,
                  result: PollResult) -> datetime | None:
    """Apply each change in the order they happened; the newest change time seen (naive UTC)."""
    newest: datetime | None = None
    for change in sorted(changes, key=lambda c: _naive(c.changed_at or datetime.min)):
        _apply(store, school_id, change, actor, result)
        if change.changed_at is not None:
            moment = _naive(change.changed_at)
            newest = moment if newest is None else max(newest, moment)
    return newest


def _apply(store: Store, school_id: str, change: ReportedChange, actor: str, result: PollResult) -> None:
    """One change: skipped when the melding or status is unknown, recognised when already applied,
    noted when the melding is further already."""
    label = normalise(change.status or "")
    with store.read() as conn:
        current = conn.execute(sa.select(meldingen.c.status, meldingen.c.receiver_status).where(
            meldingen.c.id == change.message_id, meldingen.c.school_id == school_id)).one_or_none()
    if current is not None and _already(current.status, current.receiver_status, change.status, label):
        result.unchanged += 1
        return
    if current is None or label is None:
        # The kenmerk is our own message id and the status DUO's value: neither is personal data.
        log.warning("statuswijziging van DUO overgeslagen", school=school_id, kenmerk=change.message_id,
                    reason="onbekende melding" if current is None else f"onbekende status {change.status}")
        result.skipped += 1
        return
    try:
        record_feedback(store, change.message_id, label, actor,
                                 f"DUO {change.receiver_reference or ''}".strip(),
                                 outcome=_outcome(label, change))
    except IllegalTransition as exc:  # the melding is further already: noted, the poll goes on
        log.info("statuswijziging van DUO niet toegepast", school=school_id, kenmerk=change.message_id,
                 reason=str(exc))
        result.refused += 1
        return
    except GatewayError as exc:  # refused as a report (or the melding went meanwhile): skipped
        log.warning("statuswijziging van DUO overgeslagen", school=school_id, kenmerk=change.message_id,
                    reason=type(exc).__name__)
        result.skipped += 1
        return
    result.applied += 1


def _already(state: str, stored: str | None, reported: str | None, label: str | None) -> bool:
    """Whether the melding holds the reported status already: DUO reports a status again until the
    cursor passes it, and our own withdrawal comes back as Ingetrokken (the melding's state)."""
    if reported is None:
        return False
    if label is not None:
        return stored is not None and normalise(stored) == label
    return reported.strip().lower() in {state, (stored or "").strip().lower()}


def _outcome(label: str, change: ReportedChange) -> ReceiverOutcome:
    """The receiver's report; the Besluit's closing codes only with Afgesloten and only when they
    are codes of its lists (anything else from DUO is left out rather than refused)."""
    if label != AFGESLOTEN:
        return ReceiverOutcome(status=label)
    reden = change.reden if change.reden in REDENEN_AFGESLOTEN else None
    toelichting = change.toelichting_afsluiting \
        if change.toelichting_afsluiting in TOELICHTINGEN_AFSLUITING else None
    return ReceiverOutcome(status=label, reden=reden, toelichting_afsluiting=toelichting)


def _first_since(store: Store, school_id: str) -> datetime | None:
    """Where a school's first poll starts: its earliest delivery at DUO, less the margin."""
    with store.read() as conn:
        first = conn.scalar(sa.select(sa.func.min(meldingen.c.delivered_at)).where(
            meldingen.c.school_id == school_id, meldingen.c.route == ROUTE))
    return None if first is None else first - FIRST_POLL_MARGIN


def _save(store: Store, school_id: str, state: _PollState, next_poll_at: datetime,
          last_error: str | None = None) -> None:
    """Write a school's poll state (insert on its first poll)."""
    values = {"since": state.since, "next_poll_at": next_poll_at, "failures": state.failures,
              "last_error": last_error}
    key = (status_polls.c.school_id == school_id) & (status_polls.c.route == ROUTE)
    with store.write() as conn:
        if not conn.execute(status_polls.update().where(key).values(**values)).rowcount:
            conn.execute(status_polls.insert().values(school_id=school_id, route=ROUTE, **values))


def poll_state(store: Store, school_id: str) -> dict[str, object] | None:
    """A school's DUO poll state as stored (for the console and tests); None before its first poll."""
    with store.read() as conn:
        row = conn.execute(sa.select(status_polls).where(
            status_polls.c.school_id == school_id, status_polls.c.route == ROUTE)).one_or_none()
    return None if row is None else dict(row._mapping)


def _naive(moment: datetime) -> datetime:
    """A moment as the store keeps it: naive UTC (an aware one is converted)."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
