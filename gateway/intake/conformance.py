"""The adapter conformance kit: checks a source against the contract and the reference school.

A vendor loads the reference school (``gateway.testing.synthetic.generate_school`` with the seed, size and
dates of the configuration) into a test tenant, points its adapter (or push integration) at it,
and runs ``verzuim-gateway adapter check NAME --config FILE``. The checks: the protocol, required
fields, an identity number (BSN or onderwijsnummer) for every student who could get a melding, unique
and stable ids, the cursor and corrections, time zones, completeness (paging), and what a melding
needs from the SIS (phone number, leslocatie, datum aanmelding, enrolment status).
Without a reference only the checks that need no known answer run.

Whether a correction keeps its record id needs the source to change between two reads. Only a
caller that can move the tenant's clock (``move_to``: the in-process stand-ins, or on the command
line a ``[clock]`` section, ``gateway.intake.tenant_clock``) can show that; the kit then reads the
school the day before a correction, moves the clock to the as-of day and reads again with the
cursor. Without ``move_to`` that check is skipped, and says so.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.domain.errors import ConfigurationError, GatewayError
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.ports import Source, SourceBatch
from gateway.intake.batch_checks import amsterdam_today, future_records, missing_identifiers
from gateway.intake.tenant_clock import TenantClock
from gateway.testing.synthetic import SyntheticSchool, generate_school

Key = tuple[str, date, Any]


@dataclass(frozen=True)
class CheckResult:
    """One check: passed (True), failed (False) or skipped (None), with a Dutch explanation."""

    name: str
    passed: bool | None
    detail: str


@dataclass
class ConformanceReport:
    """All checks for one adapter."""

    adapter: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(r.passed is not False for r in self.results)

    def add(self, name: str, passed: bool | None, detail: str) -> None:
        """Record one check."""
        self.results.append(CheckResult(name, passed, detail))

    def to_text(self) -> str:
        """The report for people."""
        marks = {True: "OK   ", False: "FOUT ", None: "OVER "}
        lines = [f"Conformiteitsrapport voor adapter '{self.adapter}'", ""]
        lines += [f"{marks[r.passed]} {r.name}: {r.detail}" for r in self.results]
        failed = sum(r.passed is False for r in self.results)
        lines += ["", "Resultaat: " + ("voldoet" if self.ok else f"voldoet niet ({failed} controles fout)")]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The report for machines."""
        return {"adapter": self.adapter, "ok": self.ok,
                "checks": [{"name": r.name, "passed": r.passed, "detail": r.detail} for r in self.results]}


class ReferenceSpec(BaseModel):
    """Which reference school the vendor's test tenant holds, and the day its data stands on."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 1
    size: int = 40
    start: date = date(2026, 8, 31)
    end: date | None = None
    brin: str = "99XX"
    as_of: date | None = None

    def build(self) -> tuple[SyntheticSchool, date]:
        """The school and the as-of day (default: its last day)."""
        school = generate_school(seed=self.seed, size=self.size, start=self.start, end=self.end,
                                 brin=self.brin)
        return school, self.as_of or school.end


class CheckConfig(BaseModel):
    """The ``--config`` file: the adapter's own configuration and an optional reference."""

    model_config = ConfigDict(extra="forbid")

    adapter: str | None = None
    source: dict[str, Any]
    reference: ReferenceSpec | None = None
    clock: TenantClock | None = None


def load_check_config(path: Path) -> CheckConfig:
    """Read a TOML or JSON check configuration; errors name the file and the key."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        return CheckConfig.model_validate(data)
    except OSError as exc:
        raise ConfigurationError(f"{path}: niet te lezen ({exc.strerror})") from exc
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        if isinstance(exc, ValidationError):
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ConfigurationError(f"{path}: {problems}") from exc
        raise ConfigurationError(f"{path}: geen geldige TOML/JSON ({exc})") from exc


def _key(record: AttendanceRecord) -> Key:
    return (record.student_id, record.date, record.start)


def _sample(items: list[Any], n: int = 3) -> str:
    shown = ", ".join(str(i) for i in items[:n])
    return shown + (f" (en {len(items) - n} meer)" if len(items) > n else "")


def _fetch(report: ConformanceReport, name: str, factory: Callable[[], Source],
           cursor: str | None) -> SourceBatch | None:
    try:
        source = factory()
        try:
            batch = source.fetch(cursor)
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                close()
    except GatewayError as exc:
        report.add(name, False, f"fetch gaf een fout: {exc}")
        return None
    except Exception as exc:  # noqa: BLE001 - the kit reports any adapter crash instead of dying
        report.add(name, False, f"fetch crashte: {type(exc).__name__}: {exc}")
        return None
    if not isinstance(batch, SourceBatch):
        report.add(name, False, f"fetch gaf {type(batch).__name__} terug in plaats van SourceBatch")
        return None
    return batch


def _required_fields(report: ConformanceReport, batch: SourceBatch, as_of: date | None) -> None:
    problems: list[str] = []
    students = {s.id for s in batch.students}
    for student in batch.students:
        try:
            Student.model_validate(student.model_dump())
        except (ValidationError, AttributeError) as exc:
            problems.append(f"student {getattr(student, 'id', '?')}: {exc}")
    for record in batch.records:
        try:
            AttendanceRecord.model_validate(record.model_dump())
        except (ValidationError, AttributeError) as exc:
            problems.append(f"record {getattr(record, 'id', '?')}: {exc}")
            continue
        if record.student_id not in students:
            problems.append(f"record {record.id}: student {record.student_id} zit niet in de batch")
        if as_of is not None and record.date > as_of:
            problems.append(f"record {record.id}: datum {record.date} ligt na de peildatum {as_of}")
    if as_of is None:  # without a reference: what the gateway itself would refuse as future
        future = future_records(batch.records, amsterdam_today())
        problems += [f"record {r.record_id}: {r.reason}" for r in future]
    if batch.cursor is not None and not isinstance(batch.cursor, str):
        problems.append("cursor is geen tekst")
    if not batch.records:
        problems.append("de batch bevat geen enkel record")
    report.add("verplichte velden", not problems,
               f"{len(batch.students)} studenten, {len(batch.records)} records" if not problems
               else _sample(problems))


def _identity_numbers(report: ConformanceReport, batch: SourceBatch, as_of: date | None) -> None:
    """The check the gateway applies to every batch: a reportable student needs a BSN or onderwijsnummer."""
    missing = missing_identifiers(batch.students, as_of or amsterdam_today())
    report.add("identiteitsnummers", not missing,
               "elke student die een melding kan krijgen heeft een BSN of onderwijsnummer" if not missing
               else f"{len(missing)} zonder BSN of onderwijsnummer: "
                    f"{_sample([r.student_id for r in missing])}")


def _unique_ids(report: ConformanceReport, batch: SourceBatch) -> None:
    doubles = [rid for rid, n in Counter(r.id for r in batch.records).items() if n > 1]
    doubles += [sid for sid, n in Counter(s.id for s in batch.students).items() if n > 1]
    report.add("unieke ids", not doubles,
               "geen dubbele ids" if not doubles else f"dubbel: {_sample(doubles)}")


def _stable_ids(report: ConformanceReport, first: SourceBatch, second: SourceBatch | None) -> None:
    if second is None:
        return
    a = {_key(r): r.id for r in first.records}
    b = {_key(r): r.id for r in second.records}
    moved = [f"{k[0]} {k[1]} {k[2]}: {a[k]} -> {b[k]}" for k in a.keys() & b.keys() if a[k] != b[k]]
    missing = len(a.keys() ^ b.keys())
    ok = not moved and not missing
    detail = "twee volledige leesrondes geven dezelfde ids" if ok else (
        f"{len(moved)} lessen kregen een ander id ({_sample(moved)}); {missing} lessen niet in beide rondes")
    report.add("stabiele ids", ok, detail)


def _cursor(report: ConformanceReport, first: SourceBatch, later: SourceBatch | None) -> None:
    if later is None:
        return
    known = {r.id: _key(r) for r in first.records}
    moved = [r.id for r in later.records if r.id in known and known[r.id] != _key(r)]
    strange = [rid for rid in later.withdrawn_record_ids if rid not in known]
    ok = not moved and not strange
    detail = (f"vervolgronde met cursor: {len(later.records)} records, "
              f"{len(later.withdrawn_record_ids)} ingetrokken") if ok else (
        f"een correctie mag alleen status en reden wijzigen; verschoven: {_sample(moved)}; "
        f"onbekende ingetrokken ids: {_sample(strange)}")
    report.add("cursor en correcties", ok, detail)


def _shift(got: set[tuple[str, date, Any, Any]], want: set[tuple[str, date, Any, Any]]) -> str:
    """Name a systematic shift (a day, or whole hours) between adapter and reference."""
    extra, missing = got - want, want - got
    if not extra:
        return ""
    for days in (-1, 1):
        if {(s, d - timedelta(days=days), a, b) for s, d, a, b in extra} <= want:
            return f"; datums {days:+d} dag verschoven (UTC-datum gebruikt in plaats van Europe/Amsterdam?)"
    for hours in (-2, -1, 1, 2):
        def move(t: Any, h: int = hours) -> Any:
            return (datetime.combine(date.min, t) - timedelta(hours=h)).time()
        if {(s, d, move(a), move(b)) for s, d, a, b in extra} <= want:
            return f"; tijden {hours:+d} uur verschoven (UTC-tijd in plaats van Europe/Amsterdam?)"
    return f"; {len(missing)} ontbreken"


def _reference_checks(report: ConformanceReport, batch: SourceBatch, school: SyntheticSchool,
                      as_of: date) -> None:
    truth = school.records_as_of(as_of)
    want = {(r.student_id, r.date, r.start, r.end) for r in truth}
    got = {(r.student_id, r.date, r.start, r.end) for r in batch.records}
    wrong_place = got - want
    report.add("tijdzones", not wrong_place,
               "datums en tijden gelezen in Europe/Amsterdam" if not wrong_place else
               f"{len(wrong_place)} records op een dag of tijd die de referentie niet kent"
               f"{_shift(got, want)}")
    students_ok = {s.id for s in batch.students} == {s.id for s in school.students}
    complete = students_ok and want <= got
    report.add("volledigheid (paginering)", complete,
               f"{len(school.students)} studenten en {len(want)} lessen, alle gelezen" if complete else
               f"studenten {len(batch.students)}/{len(school.students)}, lessen {len(want & got)}/{len(want)}"
               " (worden alle pagina's gelezen?)")
    expected = {(r.student_id, r.date, r.start): (r.status, r.reason) for r in truth}
    wrong = [f"{k[0]} {k[1]} {k[2]:%H:%M}: {v} verwacht {expected[k]}"
             for k, v in ((_key(r), (r.status, r.reason)) for r in batch.records)
             if k in expected and v != expected[k]]
    report.add("status en reden (correcties)", not wrong,
               "status en reden zoals de school ze het laatst vastlegde" if not wrong else
               f"{len(wrong)} afwijkend: {_sample(wrong)}")
    report.add("geen tegengehouden records", not batch.problems,
               "geen problemen gemeld" if not batch.problems else
               _sample([f"{p.where}: {p.message}" for p in batch.problems]))


MELDING_CONTENT = "gegevens voor de melding"
# What a melding needs from the SIS (DESIGN.md section 6), per canonical field: its Dutch name.
CONTENT_FIELDS = {"phone": "telefoonnummer", "leslocatie": "leslocatie", "enrolled_on": "datum aanmelding",
                  "enrolment_status": "inschrijvingsstatus"}


def _content_value(student: Student, name: str) -> Any:
    """A field as compared: a phone number by its digits (``06-1234 5678`` is ``0612345678``)."""
    value = getattr(student, name, None)
    return "".join(c for c in value if c.isdigit()) if name == "phone" and isinstance(value, str) else value


def _melding_content(report: ConformanceReport, batch: SourceBatch, school: SyntheticSchool) -> None:
    """Each reference student arrives with its phone number, leslocatie, datum aanmelding and
    enrolment status: a field left empty is missing, one with another value is odd. Values are not
    shown (a phone number is personal data, even a made-up one)."""
    got = {s.id: s for s in batch.students}
    missing: dict[str, list[str]] = {}
    odd: dict[str, list[str]] = {}
    for want in school.students:
        student = got.get(want.id)
        if student is None:
            continue  # named by the completeness check
        for name, label in CONTENT_FIELDS.items():
            expected, value = _content_value(want, name), _content_value(student, name)
            if value is None and expected is not None:
                missing.setdefault(label, []).append(want.id)
            elif value != expected:
                odd.setdefault(label, []).append(want.id)
    problems = [f"{label} ontbreekt bij {len(ids)} studenten ({_sample(ids)})"
                for label, ids in missing.items()]
    problems += [f"{label} wijkt af van de referentie bij {len(ids)} studenten ({_sample(ids)})"
                 for label, ids in odd.items()]
    report.add(MELDING_CONTENT, not problems,
               f"{', '.join(CONTENT_FIELDS.values())} zoals de referentie" if not problems
               else "; ".join(problems))


CORRECTIONS = "correcties onder hetzelfde id"
Seen = tuple[str, str | None]  # status and reason of one lesson


def _correction(school: SyntheticSchool, as_of: date) -> tuple[date, dict[Key, Seen]] | None:
    """The day before the latest correction up to ``as_of`` and the lessons it changes (their status
    and reason on ``as_of``); None when the reference school has no correction to show."""
    days = {v.known_from for e in school.events for v in e.versions[1:]}
    days |= {e.withdrawn_from for e in school.events if e.withdrawn_from is not None}
    after: dict[Key, Seen] = {_key(r): (r.status, r.reason) for r in school.records_as_of(as_of)}
    for change in sorted((d for d in days if school.start < d <= as_of), reverse=True)[:5]:
        before = change - timedelta(days=1)
        early = {_key(r): (r.status, r.reason) for r in school.records_as_of(before)}
        changed = {k: after[k] for k, v in early.items() if k in after and after[k] != v}
        if changed:
            return before, changed
    return None


def _corrections(report: ConformanceReport, factory: Callable[[], Source], school: SyntheticSchool,
                 as_of: date, move_to: Callable[[date], None] | None) -> None:
    """Read before a correction and, with the cursor, after it: the lesson keeps its id and shows the
    corrected status and reason."""
    if move_to is None:
        report.add(CORRECTIONS, None, "de kit kan de klok van de bron niet verzetten; alleen te "
                   "controleren tegen een stand-in (move_to)")
        return
    found = _correction(school, as_of)
    if found is None:
        report.add(CORRECTIONS, None, "de referentieschool heeft geen correctie tot de peildatum")
        return
    before, changed = found
    try:
        try:
            move_to(before)
            early = _fetch(report, CORRECTIONS, factory, None)
        finally:
            move_to(as_of)  # the tenant is left as the vendor loaded it, whatever happened
    except GatewayError as exc:
        report.add(CORRECTIONS, False, str(exc))
        return
    later = _fetch(report, CORRECTIONS, factory, early.cursor) if early is not None else None
    if early is None or later is None:
        return
    ids = {_key(r): r.id for r in early.records if r.date <= before}
    now = {_key(r): r for r in later.records}
    renamed = [f"{k[0]} {k[1]} {k[2]:%H:%M}: {ids[k]} -> {now[k].id}"
               for k in changed if k in ids and k in now and now[k].id != ids[k]]
    unseen = [f"{k[0]} {k[1]} {k[2]:%H:%M}" for k in changed if k not in now]
    stale = [f"{k[0]} {k[1]} {k[2]:%H:%M}: {(now[k].status, now[k].reason)} verwacht {want}"
             for k, want in changed.items() if k in now and (now[k].status, now[k].reason) != want]
    problems = ([f"nieuw id na correctie: {_sample(renamed)}"] if renamed else []) + (
        [f"niet opnieuw gelezen met de cursor: {_sample(unseen)}"] if unseen else []) + (
        [f"correctie niet overgenomen: {_sample(stale)}"] if stale else [])
    report.add(CORRECTIONS, not problems,
               f"{len(changed)} gecorrigeerde lessen (na {before}) kwamen terug onder hun eigen id"
               if not problems else "; ".join(problems))


def run_checks(adapter: str, factory: Callable[[], Source], reference: ReferenceSpec | None = None,
               *, move_to: Callable[[date], None] | None = None) -> ConformanceReport:
    """Run every check against sources made by ``factory`` (each read round gets a fresh one).
    ``move_to`` sets the clock of the tenant behind the source (a stand-in's), for the check that
    a correction keeps its id; the tenant is left on the as-of day."""
    report = ConformanceReport(adapter=adapter)
    school, as_of = reference.build() if reference else (None, None)
    first = _fetch(report, "protocol", factory, None)
    if first is None:
        return report
    report.add("protocol", True, "fetch(None) geeft een SourceBatch")
    _required_fields(report, first, as_of)
    _identity_numbers(report, first, as_of)
    _unique_ids(report, first)
    _stable_ids(report, first, _fetch(report, "stabiele ids", factory, None))
    _cursor(report, first, _fetch(report, "cursor en correcties", factory, first.cursor))
    if school is not None and as_of is not None:
        _reference_checks(report, first, school, as_of)
        _melding_content(report, first, school)
        _corrections(report, factory, school, as_of, move_to)
    else:
        report.add("tijdzones, volledigheid, correcties", None,
                   "geen [reference] in de configuratie: deze controles vragen de referentieschool")
    return report


def source_factory(load: Callable[[str], Any], adapter: str,
                   config: Mapping[str, Any]) -> Callable[[], Source]:
    """A factory building the named adapter with ``config`` (``load`` finds the entry point)."""
    create = load(adapter)

    def make() -> Source:
        source = create(dict(config))
        if not isinstance(source, Source):
            raise ConfigurationError(f"adapter '{adapter}' levert geen Source (name en fetch ontbreken)")
        return source

    return make
