"""A stand-in Magister tenant serving the synthetic school over HTTP, in Magister's shape.

Endpoints: ``POST /connect/token`` (client credentials), ``GET /api/leerlingen?top=&skip=``,
``GET /api/personen/{id}/afspraken?van=&tot=`` and ``GET /api/personen/{id}/absenties?van=&tot=``.
A leerlingen item carries what a melding needs from the SIS too: ``Telefoonnummers`` (a parent's
mobile number), ``Locatie`` (the leslocatie) and ``Inschrijving`` (Begindatum, Einddatum, Status).
Its clock (``today``) decides which registrations and corrections are visible, so tests and the
demo can move time forward and see late corrections (over HTTP too: ``PUT /sandbox/klok`` with
``{"today": "YYYY-MM-DD"}`` and the client secret as bearer, which the conformance kit's ``[clock]``
uses); ``refuse_next`` makes it answer the next calls with an outage or throttling instead. Start
it in-process with ``start_sandbox`` or from the command line with ``verzuim-gateway sandbox magister``.
"""

from __future__ import annotations

import functools
import json
import secrets
import time as clock
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import click
from fastapi import Body, FastAPI, Form, Header, HTTPException, Query
from fastapi.responses import JSONResponse, Response

from adapters.magister.convert import record_id
from gateway.api.server import ServerHandle, serve_in_thread
from gateway.domain.calendar import AMSTERDAM
from gateway.domain.model import AttendanceRecord
from gateway.domain.reasons import is_authorised
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES, Lesson, SyntheticSchool, generate_school

CLOCK_PATH = "/sandbox/klok"  # the stand-in's clock, for the conformance kit's [clock]
PERSON_BASE, AFSPRAAK_BASE, ABSENTIE_BASE, NOISE_BASE = 1000, 200000, 500000, 900000
NOISE_EVERY = 97  # every this many lessons (by seq) has a "boeken vergeten" item

# canonical reason -> (Verantwoordingtype, Code, Omschrijving); the school's code table.
_ABSENT = {
    "onbekend": (1, "AB", "Afwezig, reden onbekend"), "spijbelen": (1, "SP", "Spijbelen"),
    "ziek": (3, "ZK", "Ziek "), "artsbezoek": (1, "AR", "Arts/tandarts"),
    "overmacht": (1, "OM", "Overmacht"), "verlof": (1, "VL", "Verlof"),
    "schorsing": (1, "SC", "Geschorst"), "stage": (1, "ST", "Stage"),
    "vrijstelling": (6, "VR", "Vrijstelling"), "administratieve_correctie": (1, "AC", "Correctie"),
    "zwanger": (1, "ZW", "Zwangerschap"), "toegang_geweigerd": (4, "US", "Uitgestuurd"),
    "luxe_verzuim": (1, "LV", "Luxe verzuim"), "werk_ongeoorloofd": (1, "WK", "Werken"),
}

# Magister's locatie ids of the college's leslocaties (the school's own table).
_LOCATIE_IDS = {name: i for i, name in enumerate(SYNTHETIC_LESLOCATIES, start=1)}


@functools.lru_cache(maxsize=65_536)  # a school year has a few thousand distinct lesson times
def magister_instant(day: date, at: time = time(0)) -> str:
    """A local date and time as Magister sends it: UTC, seven fractional digits, ``Z``."""
    moment = datetime.combine(day, at, tzinfo=AMSTERDAM).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
                    media_type="application/json")


@dataclass(frozen=True)
class Refusal:
    """An answer the stand-in gives an API call instead of data: an outage (5xx) or throttling (429,
    with ``retry_after`` as the ``Retry-After`` header when given)."""

    status: int
    retry_after: str | None = None


@dataclass
class MagisterSandbox:
    """State of the stand-in tenant: the school, its clock, credentials and live tokens."""

    school: SyntheticSchool
    today: date
    client_id: str = "gateway"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    token_ttl: float = 3600.0
    max_page: int = 50
    noise: bool = True  # add "boeken vergeten" items, which are not verzuim
    tokens: dict[str, float] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)  # lesson ids taken off the timetable
    tokens_issued: int = 0
    refusals: deque[Refusal] = field(default_factory=deque)  # answered, in order, before any data
    # Keys the tenant's student list leaves out (a layout without them), and per student id keys
    # served as given (a value as a school may have typed it): what the conformance kit and the
    # tests need to see an adapter cope with a tenant that is not the reference.
    leave_out: frozenset[str] = frozenset()
    patch_items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def refuse_next(self, *refusals: Refusal) -> None:
        """Answer the next API calls (not the token endpoint) with ``refusals``, one each."""
        self.refusals.extend(refusals)

    def __post_init__(self) -> None:
        # Lessons are not indexed here: the school makes a student's lessons of a range on demand
        # (a year of a large college is millions of them).
        self.persons = {PERSON_BASE + i: s for i, s in enumerate(self.school.students)}
        self.person_ids = {s.id: person_id for person_id, s in self.persons.items()}

    def records_between(self, first: date, last: date, *, late_minutes: int) -> Iterator[AttendanceRecord]:
        """What a correct Magister adapter yields for the lessons dated ``first``..``last`` on the
        stand-in's ``today``, under the adapter's record ids, without HTTP: for building a large
        store fast (``bench/daily.py``). The stand-in's code table maps back to the school's own
        reasons; a late arrival counts ``late_minutes`` (Magister sends no minutes)."""
        brin = self.school.brin
        for lesson in self.school.lessons_between(first, min(last, self.today)):
            if lesson.id in self.cancelled:
                continue
            record = self.school.record(lesson, self.today)
            rid = record_id(brin, self.person_ids[lesson.student_id], AFSPRAAK_BASE + lesson.seq)
            late = {"minutes_late": late_minutes} if record.status == "late" else {}
            yield record.model_copy(update={"id": rid, **late})

    def expire_tokens(self) -> None:
        """Invalidate every token (clients must re-authenticate on their next call)."""
        self.tokens.clear()

    def _check(self, authorization: str | None) -> None:
        try:
            refusal = self.refusals.popleft()  # atomic: requests are served from several threads
        except IndexError:
            refusal = None
        if refusal is not None:
            headers = {"Retry-After": refusal.retry_after} if refusal.retry_after is not None else None
            raise HTTPException(status_code=refusal.status, detail="storing (stand-in)", headers=headers)
        token = (authorization or "").removeprefix("Bearer ").strip()
        expires = self.tokens.get(token)
        if expires is None or expires < clock.monotonic():
            raise HTTPException(status_code=401, detail="token verlopen of onbekend")

    def _student_item(self, person_id: int) -> dict[str, Any]:
        s = self.persons[person_id]

        def opt(day: date | None) -> str | None:
            return magister_instant(day) if day else None

        item: dict[str, Any] = {
            "Id": person_id, "Stamnummer": self.school.numbers[s.id],
            "Roepnaam": s.given_names, "Achternaam": s.family_name,
            "Geboortedatum": magister_instant(s.birth_date), "Leerweg": s.leerweg, "Niveau": s.niveau,
            "EersteLesdag": opt(s.first_school_day),
            "IntroBijgewoond": s.intro_attended, "Startkwalificatie": s.startkwalificatie,
            "Studiefinanciering": s.studiefinanciering, "Woongemeente": s.woongemeente,
            "Doktersverklaring": s.doktersverklaring, "Crebo": s.crebo, "Leerjaar": s.leerjaar,
            "Onderwijsnummer": s.onderwijsnummer,
            "Telefoonnummers": [{"Type": "Mobiel", "Omschrijving": "Ouder/verzorger", "Nummer": s.phone}]
            if s.phone else [],
            "Locatie": {"Id": _LOCATIE_IDS.get(s.leslocatie, 0), "Omschrijving": s.leslocatie}
            if s.leslocatie else None,
            "Inschrijving": {"Begindatum": opt(s.enrolled_on), "Einddatum": opt(s.enrolment_end),
                             "Status": "Beëindigd" if s.enrolment_status == "ended" else "Actief"},
        }
        item.update(self.patch_items.get(s.id, {}))
        return {k: v for k, v in item.items() if k not in self.leave_out}

    @staticmethod
    def _afspraak(lesson: Lesson) -> dict[str, Any]:
        return {
            "Id": AFSPRAAK_BASE + lesson.seq, "Start": magister_instant(lesson.date, lesson.start),
            "Einde": magister_instant(lesson.date, lesson.end), "LesuurVan": lesson.lesuur,
            "LesuurTotMet": lesson.lesuur, "DuurtHeleDag": False, "Omschrijving": lesson.subject,
            "Lokatie": f"B{100 + lesson.lesuur}", "Status": 1, "Type": 13,
        }

    def _may_have_absence(self, student_id: str) -> Callable[[int, date], bool]:
        """Which of a student's lessons (by seq and date) can carry an absence item: one in the
        dates of an event of theirs, or a "boeken vergeten" one. The rest are not even made."""
        spans = [(e.start, e.end or date.max) for e in self.school.events_of(student_id)]
        noise = self.noise

        def may(seq: int, day: date) -> bool:
            return (noise and seq % NOISE_EVERY == 0) or any(a <= day <= b for a, b in spans)
        return may

    def _absence(self, lesson: Lesson) -> dict[str, Any] | None:
        found = self.school.registration(lesson, self.today)
        if found is None:
            if self.noise and lesson.seq % NOISE_EVERY == 0:
                return {"Id": NOISE_BASE + lesson.seq, "Verantwoordingtype": 7, "Code": "BO",
                        "Omschrijving": "Boeken vergeten ", "Geoorloofd": False,
                        **self._absence_frame(lesson)}
            return None
        _, version = found
        if version.status == "late":  # no minutes: Magister's items carry none (sis-apis.md 1.3)
            authorised = is_authorised(version.reason)
            kind, code, text = (2, "LG", "Te laat geoorloofd") if authorised else (2, "LO", "Te laat")
        else:
            kind, code, text = _ABSENT[version.reason or "onbekend"]
            authorised = is_authorised(version.reason)
        return {"Id": ABSENTIE_BASE + lesson.seq, "Verantwoordingtype": kind, "Code": code,
                "Omschrijving": text, "Geoorloofd": authorised, **self._absence_frame(lesson)}

    def _absence_frame(self, lesson: Lesson) -> dict[str, Any]:
        midnight = magister_instant(lesson.date)
        return {"Start": midnight, "Eind": midnight, "Lesuur": lesson.lesuur,
                "AfspraakId": AFSPRAAK_BASE + lesson.seq, "Afspraak": self._afspraak(lesson)}

    def app(self) -> FastAPI:
        """The tenant's HTTP API."""
        api = FastAPI(title="Magister (stand-in)", docs_url=None, redoc_url=None, openapi_url=None)

        @api.post("/connect/token")
        def token(grant_type: Annotated[str, Form()], client_id: Annotated[str, Form()],
                  client_secret: Annotated[str, Form()]) -> JSONResponse:
            if (grant_type != "client_credentials" or client_id != self.client_id
                    or not secrets.compare_digest(client_secret, self.client_secret)):
                return JSONResponse({"error": "invalid_client"}, status_code=400)
            value = secrets.token_urlsafe(24)
            self.tokens[value] = clock.monotonic() + self.token_ttl
            self.tokens_issued += 1
            return JSONResponse({"access_token": value, "token_type": "Bearer",
                                 "expires_in": int(self.token_ttl)})

        @api.put(CLOCK_PATH)
        def klok(today: Annotated[date, Body(embed=True)],
                 authorization: Annotated[str | None, Header()] = None) -> dict[str, str]:
            presented = (authorization or "").removeprefix("Bearer ").strip()
            if not secrets.compare_digest(presented.encode(), self.client_secret.encode()):
                raise HTTPException(status_code=401, detail="geheim ontbreekt of klopt niet")
            self.today = today
            return {"today": today.isoformat()}

        @api.get("/api/leerlingen")
        def leerlingen(authorization: Annotated[str | None, Header()] = None,
                       top: int = 100, skip: int = 0) -> dict[str, Any]:
            self._check(authorization)
            ids = sorted(self.persons)
            page = ids[skip: skip + min(top, self.max_page)]
            return {"Items": [self._student_item(i) for i in page], "TotalCount": len(ids), "Links": []}

        def lessons_of(person_id: int, van: date, tot: date, *, absences_only: bool = False) -> list[Lesson]:
            student = self.persons.get(person_id)
            if student is None:
                raise HTTPException(status_code=404, detail="onbekende persoon")
            only = self._may_have_absence(student.id) if absences_only else None
            lessons = self.school.lessons_of(student.id, van, tot, only)
            return [x for x in lessons if x.id not in self.cancelled]

        # Answers are encoded here (plain JSON types already): FastAPI's own encoder walks every
        # value again. Handlers are async: no hop to a worker thread per request (a college's
        # daily pull is two requests per student).
        @api.get("/api/personen/{person_id}/afspraken")
        async def afspraken(person_id: int, van: Annotated[date, Query()], tot: Annotated[date, Query()],
                            authorization: Annotated[str | None, Header()] = None) -> Response:
            self._check(authorization)
            items = [self._afspraak(x) for x in lessons_of(person_id, van, tot)]
            return _json({"Items": items, "TotalCount": len(items), "Links": []})

        @api.get("/api/personen/{person_id}/absenties")
        async def absenties(person_id: int, van: Annotated[date, Query()], tot: Annotated[date, Query()],
                            authorization: Annotated[str | None, Header()] = None) -> Response:
            self._check(authorization)
            items = [a for x in lessons_of(person_id, van, min(tot, self.today), absences_only=True)
                     if (a := self._absence(x)) is not None]
            return _json({"Items": items, "TotalCount": len(items), "Links": []})

        return api

    def check_config(self, base_url: str, seed: int, **extra: Any) -> dict[str, Any]:
        """A ready ``adapter check magister --config`` file for this stand-in: the adapter's
        configuration, the reference school it serves (generated with ``seed``), and its clock (so
        the kit checks corrections too)."""
        school = self.school
        reference = {"seed": seed, "size": len(school.students), "start": school.start.isoformat(),
                     "end": school.end.isoformat(), "brin": school.brin, "as_of": self.today.isoformat()}
        return {"adapter": "magister", "source": self.adapter_config(base_url, **extra),
                "reference": reference, "clock": {"url": base_url + CLOCK_PATH, "token": self.client_secret}}

    def adapter_config(self, base_url: str, **extra: Any) -> dict[str, Any]:
        """A ready configuration for ``adapters.magister:create_source`` against this stand-in."""
        return {"base_url": base_url, "client_id": self.client_id, "client_secret": self.client_secret,
                "brin": self.school.brin, "today": self.today.isoformat(),
                "since": self.school.start.isoformat(), **extra}


@dataclass
class RunningSandbox:
    """An in-process stand-in: its URL, its state (clock, tokens) and a stop handle."""

    url: str
    sandbox: MagisterSandbox
    handle: ServerHandle

    def stop(self) -> None:
        """Stop the server."""
        self.handle.stop()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(school: SyntheticSchool | None = None, *, today: date | None = None,
                  port: int = 0, **options: Any) -> RunningSandbox:
    """Serve a stand-in tenant on 127.0.0.1 (port 0: a free port) in a background thread."""
    school = school or generate_school()
    sandbox = MagisterSandbox(school=school, today=today or school.end, **options)
    handle = serve_in_thread(sandbox.app(), port=port)
    return RunningSandbox(url=handle.url, sandbox=sandbox, handle=handle)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(f"'{value}' is geen datum (JJJJ-MM-DD)") from exc


@click.command(name="magister")
@click.option("--seed", default=1, show_default=True, help="Zaadje van de synthetische school.")
@click.option("--size", default=300, show_default=True, help="Aantal studenten.")
@click.option("--start", callback=_date, default="2026-08-31", show_default=True, help="Eerste lesdag.")
@click.option("--end", callback=_date, help="Laatste dag met lessen (standaard: acht weken).")
@click.option("--today", callback=_date, help="Klok van de stand-in (standaard: --end).")
@click.option("--port", default=8081, show_default=True)
@click.option("--brin", default="99XX", show_default=True)
@click.option("--client-secret", help="Geheim voor de adapter (standaard: willekeurig).")
@click.option("--config-out", type=click.Path(path_type=Path, dir_okay=False),
              help="Schrijf een configuratie voor 'adapter check magister --config' (JSON): [source] "
                   "voor de adapter, [reference] en [clock].")
def command(*, seed: int, size: int, start: date, end: date | None,  # noqa: PLR0913  one per click option
            today: date | None, port: int, brin: str, client_secret: str | None,
            config_out: Path | None) -> None:
    """Start een Magister-stand-in met een synthetische school."""
    school = generate_school(seed=seed, size=size, start=start, end=end, brin=brin)
    options: dict[str, Any] = {"client_secret": client_secret} if client_secret else {}
    running = start_sandbox(school, today=today, port=port, **options)
    if config_out:
        calendar_path = config_out.with_name(config_out.stem + "-kalender.json")
        calendar_path.write_text(school.calendar.model_dump_json(indent=2), encoding="utf-8")
        config = running.sandbox.check_config(running.url, seed, calendar_file=str(calendar_path))
        config_out.write_text(json.dumps(config, indent=2), encoding="utf-8")
        click.echo(f"Controleconfiguratie geschreven naar {config_out} "
                   f"(verzuim-gateway adapter check magister --config {config_out})")
    click.echo(f"Magister-stand-in draait op {running.url} ({size} studenten, klok {running.sandbox.today}).")
    click.echo(f"client_id={running.sandbox.client_id} client_secret={running.sandbox.client_secret}")
    click.echo("Stoppen met Ctrl-C.")
    try:
        running.handle.thread.join()
    except KeyboardInterrupt:
        running.stop()
