"""A stand-in Eduarte: writes the synthetic school's exports into a drop folder, on a schedule.

Each export is a full snapshot as the school's data stands on the stand-in's clock: students
(``deelnemers``, with telefoonnummer, locatie and the verbintenis's status and einddatum), absence
reports (``absentiemeldingen``: periods, whole days, open-ended, with reason and handled flag) and
lesson observations (``waarnemingen``: Aanwezig, Afwezig, Nvt). Files
are written under a temporary name and renamed, so a reader never sees half a file. Start it
in-process with ``start_sandbox`` or as ``verzuim-gateway sandbox eduarte``.
"""

from __future__ import annotations

import csv
import threading
from calendar import WEDNESDAY
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import click

from adapters.eduarte.exports import COLUMNS, KINDS, OPTIONAL_COLUMNS, export_path, snapshots
from gateway.domain.model import Student
from gateway.domain.reasons import is_authorised
from gateway.testing.synthetic import (
    LESUREN,
    AbsenceEvent,
    AbsenceVersion,
    Lesson,
    SyntheticSchool,
    generate_school,
)

# canonical reason -> Eduarte absentiereden (the institution's code list)
_CODES = {
    "onbekend": "ONBEKEND", "spijbelen": "SPIJBELEN", "ziek": "ZIEK", "artsbezoek": "ARTS",
    "overmacht": "OVERMACHT", "verlof": "VERLOF", "schorsing": "SCHORSING", "stage": "STAGE",
    "vrijstelling": "VRIJSTELLING", "administratieve_correctie": "ADMIN", "zwanger": "ZWANGER",
    "toegang_geweigerd": "GEWEIGERD", "luxe_verzuim": "LUXE", "werk_ongeoorloofd": "WERK",
}
STUDY_HOUR = (time(16, 10), time(17, 0))  # an optional lesuur 9: observed as Nvt


@lru_cache(maxsize=4096)  # a year of lessons repeats a few hundred dates millions of times
def _d(day: date | None) -> str:
    return day.strftime("%d-%m-%Y") if day else ""


@lru_cache(maxsize=256)
def _hm(moment: time) -> str:
    return moment.strftime("%H:%M")


def _yn(value: bool) -> str:
    return "J" if value else "N"


@dataclass
class EduarteSandbox:
    """Renders the school as Eduarte exports; ``today`` decides what is visible."""

    school: SyntheticSchool
    folder: Path
    today: date
    keep: int = 3  # snapshots kept in the folder (the adapter needs the previous one)
    extra_rows: dict[str, list[str]] = field(default_factory=dict)  # raw lines appended per export
    written: threading.Event = field(default_factory=threading.Event)  # set after every snapshot
    # Columns the exports leave out (a layout without them), and per student id deelnemers values
    # written as given (as a school may have typed them): a tenant that is not the reference.
    leave_out: frozenset[str] = frozenset()
    patch_rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def header(self, kind: str) -> list[str]:
        """The columns of one export, as this stand-in writes them."""
        return [c for c in COLUMNS[kind] + OPTIONAL_COLUMNS.get(kind, ()) if c not in self.leave_out]

    def _deelnemer(self, s: Student) -> list[str]:
        ended = s.enrolment_status == "ended"
        values = {
            "deelnemernummer": self.school.numbers[s.id], "geboortedatum": _d(s.birth_date),
            "leerweg": s.leerweg, "niveau": str(s.niveau or ""), "inschrijfdatum": _d(s.enrolled_on),
            "eerste_lesdag": _d(s.first_school_day), "intro_gevolgd": _yn(s.intro_attended),
            "startkwalificatie": _yn(s.startkwalificatie), "studiefinanciering": _yn(s.studiefinanciering),
            "woongemeente": s.woongemeente or "", "doktersverklaring": _yn(s.doktersverklaring),
            "roepnaam": s.given_names or "", "achternaam": s.family_name or "", "crebo": s.crebo or "",
            "leerjaar": str(s.leerjaar or ""), "onderwijsnummer": s.onderwijsnummer or "",
            "telefoonnummer": s.phone or "", "locatie": s.leslocatie or "",
            "verbintenis_status": "Beëindigd" if ended else "Actief",
            "verbintenis_einddatum": _d(s.enrolment_end),
            **self.patch_rows.get(s.id, {}),
        }
        return [values[c] for c in self.header("deelnemers")]

    def _melding(self, event: AbsenceEvent, version: AbsenceVersion) -> list[str]:
        if version.status == "late":
            lesson_start, lesson_end = LESUREN[event.first_lesuur or 1]
            arrived = (datetime.combine(event.start, lesson_start)
                       + timedelta(minutes=version.minutes_late or 0)).time()
            code = _CODES[version.reason] if version.reason and is_authorised(version.reason) else "TELAAT"
            return [f"M{event.seq}", self.school.numbers[event.student_id], _d(event.start),
                    arrived.strftime("%H:%M"), _d(event.start), lesson_end.strftime("%H:%M"),
                    str(event.first_lesuur), str(event.last_lesuur), code, "J", ""]
        code = _CODES[version.reason or "onbekend"]
        if event.first_lesuur is not None:
            begin, end = LESUREN[event.first_lesuur][0], LESUREN[event.last_lesuur or event.first_lesuur][1]
            times = [begin.strftime("%H:%M"), _d(event.start), end.strftime("%H:%M"),
                     str(event.first_lesuur), str(event.last_lesuur)]
        else:
            end_day = min(event.end, self.today) if event.end else None
            open_ended = event.end is None or (event.end > self.today)
            times = ["00:00", "" if open_ended else _d(end_day), "" if open_ended else "23:59", "", ""]
        return [f"M{event.seq}", self.school.numbers[event.student_id], _d(event.start), *times, code,
                _yn(version.reason is not None), ""]

    def _rows(self, kind: str) -> Iterator[list[str]]:
        """The rows of one export, made one at a time (a college's year is millions of lines)."""
        school, today = self.school, self.today
        if kind == "deelnemers":
            yield from (self._deelnemer(s) for s in school.students)
        elif kind == "absentiemeldingen":
            for event in school.events:
                version = event.version_on(today)
                if version is not None and event.reported and event.start <= today:
                    yield self._melding(event, version)
        else:
            for lesson in school.lessons_between(school.start, today):
                yield self._observation(lesson)
                if lesson.date.weekday() == WEDNESDAY and lesson.lesuur == 1:  # an optional study hour
                    yield [f"N{lesson.seq}", school.numbers[lesson.student_id], _d(lesson.date),
                           STUDY_HOUR[0].strftime("%H:%M"), STUDY_HOUR[1].strftime("%H:%M"), "9", "Nvt", ""]

    def _observation(self, lesson: Lesson) -> list[str]:
        found = self.school.registration(lesson, self.today)
        soort, link = "Aanwezig", ""
        if found is not None:
            event, version = found
            if version.status == "absent":
                soort = "Afwezig"
            # Half the observations are linked to their report; the rest are joined by time.
            if event.reported and lesson.seq % 2 == 0:
                link = f"M{event.seq}"
        return [f"W{lesson.seq}", self.school.numbers[lesson.student_id], _d(lesson.date),
                _hm(lesson.start), _hm(lesson.end), str(lesson.lesuur), soort, link]

    def write_snapshot(self) -> str:
        """Write one full snapshot of the school as it stands on ``today``; returns its stamp."""
        self.folder.mkdir(parents=True, exist_ok=True)
        moment = datetime.now().replace(microsecond=0)
        existing = snapshots(self.folder)
        if existing:  # stamps only go up, even when two exports fall in one second
            moment = max(moment, datetime.strptime(existing[-1], "%Y%m%dT%H%M%S") + timedelta(seconds=1))
        stamp = f"{moment:%Y%m%dT%H%M%S}"
        for kind in KINDS:
            target = export_path(self.folder, kind, stamp)
            tmp = target.with_name(f".{target.name}.tmp")
            with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
                writer.writerow(self.header(kind))
                writer.writerows(self._rows(kind))
                for line in self.extra_rows.get(kind, []):
                    handle.write(line + "\r\n")
            tmp.replace(target)
        (self.folder / "kalender.json").write_text(self.school.calendar.model_dump_json(indent=2),
                                                   encoding="utf-8")
        for old in snapshots(self.folder)[:-self.keep]:
            for kind in KINDS:
                export_path(self.folder, kind, old).unlink(missing_ok=True)
        self.written.set()
        return stamp

    def adapter_config(self, **extra: Any) -> dict[str, Any]:
        """A ready configuration for ``adapters.eduarte:create_source`` on this folder."""
        return {"drop_folder": str(self.folder), "brin": self.school.brin, **extra}


@dataclass
class RunningSandbox:
    """An in-process stand-in: its folder, state, and a stop handle for the schedule (if any)."""

    folder: Path
    sandbox: EduarteSandbox
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def stop(self) -> None:
        """Stop the schedule (bounded wait)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Schedule:
    """Write another snapshot every ``interval`` seconds, moving the clock ``step_days`` forward each
    time, until ``until`` (None: the school's last day)."""

    interval: float
    step_days: int = 1
    until: date | None = None


def start_sandbox(folder: Path, school: SyntheticSchool | None = None, *, today: date | None = None,
                  schedule: Schedule | None = None, **options: Any) -> RunningSandbox:
    """Write a first snapshot now; with a ``schedule``, write more in a background thread."""
    school = school or generate_school()
    sandbox = EduarteSandbox(school=school, folder=folder, today=today or school.end, **options)
    sandbox.write_snapshot()
    running = RunningSandbox(folder=folder, sandbox=sandbox)
    if schedule is not None:
        last = schedule.until or school.end

        def write_on_schedule() -> None:
            while not running._stop.wait(schedule.interval):
                if sandbox.today >= last:
                    continue
                sandbox.today = min(last, sandbox.today + timedelta(days=schedule.step_days))
                sandbox.write_snapshot()

        running._thread = threading.Thread(target=write_on_schedule, name="eduarte-sandbox", daemon=True)
        running._thread.start()
    return running


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(f"'{value}' is geen datum (JJJJ-MM-DD)") from exc


@click.command(name="eduarte")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--seed", default=1, show_default=True, help="Zaadje van de synthetische school.")
@click.option("--size", default=300, show_default=True, help="Aantal studenten.")
@click.option("--start", callback=_date, default="2026-08-31", show_default=True, help="Eerste lesdag.")
@click.option("--end", callback=_date, help="Laatste dag met lessen (standaard: acht weken).")
@click.option("--today", callback=_date, help="Klok bij de eerste export (standaard: --end).")
@click.option("--interval", type=float, help="Elke zoveel seconden een nieuwe export.")
@click.option("--step-days", default=1, show_default=True, help="Dagen die de klok per export vooruitgaat.")
@click.option("--brin", default="99YY", show_default=True)
@click.option("--once", is_flag=True, help="Schrijf één export en stop.")
def command(*, folder: Path, seed: int, size: int, start: date,  # noqa: PLR0913  one per click option
            end: date | None, today: date | None, interval: float | None, step_days: int, brin: str,
            once: bool) -> None:
    """Schrijf Eduarte-exports van een synthetische school in een aflevermap."""
    school = generate_school(seed=seed, size=size, start=start, end=end, brin=brin)
    schedule = None if once or interval is None else Schedule(interval, step_days)
    running = start_sandbox(folder, school, today=today, schedule=schedule)
    click.echo(f"Eduarte-export geschreven in {folder} ({size} studenten, klok {running.sandbox.today}).")
    if once or interval is None:
        return
    click.echo(f"Elke {interval:g} s een nieuwe export; stoppen met Ctrl-C.")
    try:
        while running._thread is not None and running._thread.is_alive():
            running._thread.join(1)
    except KeyboardInterrupt:
        running.stop()
