"""The audit trail of one school as the console shows it: filters read from the URL, a page of
entries (newest first) with their totals, a melding's withdrawal, and the chain's verification.

The filters are a list's filters (``gateway.console.listing``'s paging and page sizes) of their own:
a student (the subjects of their meldingen), a melding, a kind of event (``audit_words.GROUPS``),
who, and local dates. The verification checks the whole chain: that costs seconds on a large chain,
so the page shows the last one (an audit entry of its own) and a person starts a new one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode

import sqlalchemy as sa

from gateway.console import audit_words
from gateway.console.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_SEARCH,
    PAGINA,
    PER,
    TOT,
    VAN,
    Paging,
    changed_pairs,
    read_dates,
    read_paging,
)
from gateway.domain.calendar import AMSTERDAM
from gateway.pipeline.decisions import RULES_WITHDRAWAL_REASON
from gateway.store import Store, audit
from gateway.store.schema import audit_log, meldingen

LEERLING, MELDING, SOORT, WIE = "leerling", "melding", "soort", "wie"
PARAMETERS: Final = (LEERLING, MELDING, SOORT, WIE, VAN, TOT, PAGINA, PER)
MAX_ID: Final = 64
GENERAL: Final = "adres"  # the key of an error about the address itself (an unknown parameter)


@dataclass(frozen=True)
class TrailFilters:
    """The trail's view: its filters and page."""

    leerling: str = ""
    melding: str = ""
    soort: str = ""
    wie: str = ""
    van: date | None = None
    tot: date | None = None
    pagina: int = 1
    per: int = DEFAULT_PAGE_SIZE

    @property
    def filtered(self) -> bool:
        """True when any filter is set (paging aside)."""
        return any((self.leerling, self.melding, self.soort, self.wie, self.van, self.tot))


def parse_trail(params: Mapping[str, str]) -> tuple[TrailFilters, dict[str, str]]:
    """The trail's view from its query parameters, and a Dutch message per parameter it cannot use."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        errors[GENERAL] = "onbekende filter " + ", ".join(f"'{name}'" for name in unknown) + " in het adres"
    for name in (LEERLING, MELDING, WIE):
        raw = params.get(name, "").strip()
        if len(raw) > (MAX_SEARCH if name == WIE else MAX_ID):
            errors[name] = f"langer dan {MAX_SEARCH if name == WIE else MAX_ID} tekens"
        values[name] = raw
    soort = params.get(SOORT, "").strip()
    if soort and soort not in audit_words.GROUPS:
        errors[SOORT] = f"onbekende soort gebeurtenis '{soort[:40]}'"
    values[SOORT] = soort
    values.update(read_dates(params, errors))
    values.update(read_paging(params, errors))
    return TrailFilters(**values), errors


def trail_query(filters: TrailFilters, **changes: object) -> str:
    """The query string of ``filters`` with ``changes``, defaults left out; ``?`` included, or empty."""
    view = replace(filters, **changes)  # type: ignore[arg-type]  # field names of TrailFilters
    pairs = changed_pairs(view, TrailFilters(), [f.name for f in fields(TrailFilters)])
    return "?" + urlencode(pairs) if pairs else ""


def check_subjects(store: Store, school_id: str, filters: TrailFilters) -> dict[str, str]:
    """The leerling and melding filters must name one of the school's students with meldingen and
    one of its meldingen: a Dutch message per filter that does not."""
    m = meldingen.c
    errors: dict[str, str] = {}
    with store.read() as conn:
        if filters.leerling and conn.scalar(sa.select(sa.func.count()).where(
                m.school_id == school_id, m.student_id == filters.leerling)) == 0:
            errors[LEERLING] = "geen meldingen van deze leerling bij uw school"
        if filters.melding and conn.scalar(sa.select(sa.func.count()).where(
                m.school_id == school_id, m.id == filters.melding)) == 0:
            errors[MELDING] = "geen melding met dit id bij uw school"
    return errors


@dataclass(frozen=True)
class MeldingLink:
    """The melding an entry is about: its id, rule and student (for a link and a name)."""

    id: str
    rule: str
    student_id: str


@dataclass(frozen=True)
class TrailEntry:
    """One entry as the trail shows it: when (UTC, as stored), who, the sentence, and its melding."""

    seq: int
    ts: str
    actor: str
    action: str
    subject: str | None
    sentence: str
    melding: MeldingLink | None


@dataclass(frozen=True)
class TrailPage:
    """One page of the trail and where it lies in the whole (``Paging``)."""

    entries: list[TrailEntry]
    paging: Paging


def _local_start(day: date) -> str:
    """Midnight of ``day`` in Amsterdam, as the log's UTC timestamps are written (comparable as text)."""
    moment = datetime.combine(day, time(0), AMSTERDAM).astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def _conditions(school_id: str, filters: TrailFilters) -> list[sa.ColumnElement[bool]]:
    a, m = audit_log.c, meldingen.c
    where: list[sa.ColumnElement[bool]] = [a.school_id == school_id]
    if filters.leerling:
        where.append(a.subject.in_(sa.select(m.id).where(m.school_id == school_id,
                                                         m.student_id == filters.leerling)))
    if filters.melding:
        where.append(a.subject == filters.melding)
    if filters.soort:
        where.append(a.action.in_(audit_words.GROUPS[filters.soort][1]))
    if filters.wie:
        escaped = filters.wie.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(a.actor.ilike(f"%{escaped}%", escape="\\"))
    if filters.van:
        where.append(a.ts >= _local_start(filters.van))
    if filters.tot:
        where.append(a.ts < _local_start(filters.tot + timedelta(days=1)))
    return where


def trail_page(store: Store, school_id: str, filters: TrailFilters) -> TrailPage:
    """The school's entries that pass ``filters``, newest first, one page of them, with the total."""
    where = _conditions(school_id, filters)
    query = (sa.select(audit_log.c.seq, audit_log.c.ts, audit_log.c.actor, audit_log.c.action,
                       audit_log.c.subject, audit_log.c.data)
             .where(*where).order_by(audit_log.c.seq.desc())
             .limit(filters.per).offset((filters.pagina - 1) * filters.per))
    with store.read() as conn:
        total = int(conn.scalar(sa.select(sa.func.count()).select_from(audit_log).where(*where)) or 0)
        rows = conn.execute(query).all()
        subjects = sorted({r.subject for r in rows if r.subject})
        links = {r.id: MeldingLink(r.id, r.rule, r.student_id) for r in conn.execute(
            sa.select(meldingen.c.id, meldingen.c.rule, meldingen.c.student_id)
            .where(meldingen.c.school_id == school_id, meldingen.c.id.in_(subjects)))} if subjects else {}
    entries = [TrailEntry(r.seq, r.ts, r.actor, r.action, r.subject,
                          audit_words.describe(r.action, r.actor, _data(r.data), r.subject),
                          links.get(r.subject or "")) for r in rows]
    return TrailPage(entries, Paging(total, filters.pagina, filters.per))


def _data(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- one melding's withdrawal --------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawal:
    """When (UTC, as stored), why and by whom a melding was withdrawn; ``by_rules`` when a correction
    made the rules withdraw it."""

    ts: str
    actor: str
    reason: str
    by_rules: bool
    notice_sent_to: list[str]


def withdrawal_of(store: Store, school_id: str, melding_id: str) -> Withdrawal | None:
    """The newest ``melding.ingetrokken`` entry of a melding of the school, or None."""
    a = audit_log.c
    query = (sa.select(a.ts, a.actor, a.data)
             .where(a.school_id == school_id, a.subject == melding_id, a.action == "melding.ingetrokken")
             .order_by(a.seq.desc()).limit(1))
    with store.read() as conn:
        row = conn.execute(query).one_or_none()
    if row is None:
        return None
    data = _data(row.data)
    reason = str(data.get("reden") or "")
    routes = data.get("routes") if data.get("intrekking_verstuurd") else []
    return Withdrawal(row.ts, row.actor, reason, reason == RULES_WITHDRAWAL_REASON,
                      [audit_words.channel_name(r) for r in routes or []])


# --- the chain's verification --------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A verification of the whole chain as recorded: when, how many entries, the first broken one."""

    ts: str
    entries: int
    ok: bool
    first_broken: int | None
    problem: str | None


def last_verification(store: Store) -> Checked | None:
    """The newest recorded verification of the chain (by any school's user: it covers the whole
    chain and holds only counts), or None when the chain was never checked from the console."""
    a = audit_log.c
    query = (sa.select(a.ts, a.data).where(a.action == audit_words.VERIFIED).order_by(a.seq.desc()).limit(1))
    with store.read() as conn:
        row = conn.execute(query).one_or_none()
    if row is None:
        return None
    data = _data(row.data)
    broken = data.get("eerste_fout")
    return Checked(row.ts, int(data.get("regels") or 0), bool(data.get("in_orde")),
                   int(broken) if isinstance(broken, int) else None, data.get("probleem"))


def verify_and_record(store: Store, school_id: str, actor: str) -> audit.Verification:
    """Check the whole chain now and append the outcome as an entry of its own (so the page, and
    any later reader, sees when it was last checked and what was found)."""
    outcome = audit.verify(store)
    with store.write() as conn:
        audit.append(conn, actor=actor, action=audit_words.VERIFIED, school_id=school_id, subject=None,
                     data={"regels": outcome.entries, "in_orde": outcome.ok,
                           "eerste_fout": outcome.first_broken, "probleem": outcome.problem})
    return outcome


def entry_sentence(store: Store, school_id: str, seq: int) -> TrailEntry | None:
    """Entry ``seq`` in words when it is one of the school's (a broken entry named on the page)."""
    a = audit_log.c
    with store.read() as conn:
        row = conn.execute(sa.select(a.seq, a.ts, a.actor, a.action, a.subject, a.data)
                           .where(a.seq == seq, a.school_id == school_id)).one_or_none()
    if row is None:
        return None
    return TrailEntry(row.seq, row.ts, row.actor, row.action, row.subject,
                      audit_words.describe(row.action, row.actor, _data(row.data), row.subject), None)
