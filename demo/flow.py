"""The demo, step by step: the main job of the gateway end to end on one machine.

A college with two locations (Magister in Den Helder, Eduarte in Utrecht) is switched on in the
seventh week of the school year: a full pull, evaluation, delivery to the DUO stand-in over mutual
TLS and no-shows by S/MIME mail. A week later the second pull brings new lessons and the week's
corrections; DUO then goes down: the worker retries with backoff, falls back to mail for meldingen
whose due date is near, and delivers the rest once DUO is back. After each evaluation the
verzuimcoördinator fills in, through the push API, what the completeness gate asks of the meldingen
and approves them; two are left incomplete on purpose and stay in the review queue, and one
zorgmelding is filed by hand. After delivery the demo lets days pass on its wall clock: the worker
polls DUO's statuses, the Doorstroompunt reports its no-show outcomes with start dates and a
gemeente closes a melding through the feedback API, a silent receiver is flagged late, and the
no-show follow-up shows its tasks and second determinations. At the end everything is checked
(delivered meldingen complete, their documents valid against the published schemas, the monitor's
figures equal to a hand count) and summarised.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from pathlib import Path

import sqlalchemy as sa
from lxml import etree

from demo.after import (
    AfterDelivery,
    check_receivers,
    close_a_contact_task,
    follow_up,
    follow_up_lines,
    late_day,
    late_lines,
    leave_unhandled,
    move_to,
    poll_line,
    poll_round,
)
from demo.api import Api, start_api
from demo.checks import Findings, check_after_delivery, run_checks
from demo.college import FIRST_SYNC, LOCATIONS, SECOND_SYNC, Location, build_school
from demo.coordinator import Coordination, file_zorgmelding, fill_all, manual_student
from demo.delivery import drain, each_tried_once, make_worker, open_rows, outbox_empty, wall_worker
from demo.figures import write_csv
from demo.progress import DemoFailure, Progress
from demo.receivers import receivers_report
from demo.revision import revise
from demo.schools import school_data, secret_env_name, write_school_file
from demo.services import Pki, Services, advance_sis, make_pki, start_services, start_sis
from demo.summary import per_channel, per_receiver, per_review, per_rule
from gateway import pipeline
from gateway.cli.sync import sync_source
from gateway.config.config_check import InstalledAdapters, check_file
from gateway.config.school import SchoolConfig, load_school_config, resolve_env_references
from gateway.config.settings import Settings, open_store, write_key_file
from gateway.delivery.document.schema import hardened_parser
from gateway.delivery.routing import RecipientDirectory
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import OutboxState
from gateway.domain.ports import CHANNELS_GROUP, SOURCES_GROUP
from gateway.plugins import available
from gateway.store import Store, get_melding
from gateway.store.schema import meldingen, outbox
from gateway.testing.synthetic import SyntheticSchool

STEPS = 16
FIRST_POLL_AFTER = timedelta(days=1, hours=1)  # DUO's stand-in has the meldingen in behandeling by then
DUO_DOWN = 1_000_000  # 503 answers the DUO stand-in gives: more than the outage step can use up
SHOWN_PROBLEMS = 20  # problems printed under the check step (all of them are in the result)
SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"


@dataclass
class DemoResult:
    """What the demo did and found; ``ok`` only when everything it expected happened."""

    problems: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is missing."""
        return not self.problems


@dataclass
class Demo:
    """State shared by the steps."""

    workdir: Path
    progress: Progress
    stack: ExitStack
    sizes: dict[str, int]
    environ: dict[str, str] = field(default_factory=dict)
    schools: dict[str, SyntheticSchool] = field(default_factory=dict)
    configs: dict[str, SchoolConfig] = field(default_factory=dict)
    corrections: int = 0
    fallbacks: int = 0
    retried: int = 0
    revised_melding: str = ""
    work: Coordination = field(default_factory=Coordination)
    after: AfterDelivery = field(default_factory=AfterDelivery)


def prepare_workdir(workdir: Path) -> None:
    """Start from an empty folder: earlier demo output is removed (only what the demo makes)."""
    for name in ("gateway.db", "gateway.db-wal", "gateway.db-shm", "keys.toml"):
        (workdir / name).unlink(missing_ok=True)
    for name in ("duo", "mail", "pki", "config", ".sandbox"):
        shutil.rmtree(workdir / name, ignore_errors=True)
    for path in workdir.glob("monitor-*.csv"):
        path.unlink()
    (workdir / "mail").mkdir(parents=True)


def _sync_all(demo: Demo, store: Store, today: date, details: list[str]) -> None:
    for location in LOCATIONS:
        config = demo.configs[location.key]
        for name, options in config.sources.items():
            resolved = resolve_env_references(options, demo.environ, f"bron {name}")
            if location.sis == "magister":
                resolved["today"] = today.isoformat()  # the demo's school-year clock
            outcome = sync_source(store, config, name, resolved, actor="demo:sync")
            if not outcome.ok:
                raise DemoFailure(f"ophalen uit {name} ({location.name}) mislukt: {outcome.message}")
            details.append(f"{location.name} ({name}): {outcome.message}")
            if outcome.problems:
                details.append(f"  {len(outcome.problems)} record(s) tegengehouden")
            changed = outcome.message.split(" nieuw, ")[-1].split(" gewijzigd")[0]
            if changed.isdigit():
                demo.corrections += int(changed)
        result = pipeline.evaluate(store, config.id, as_of=today, actor="demo:evaluatie")
        details.append(f"{location.name}: regels toegepast op {today:%d-%m-%Y}: "
                       f"{result.students_evaluated} studenten, {len(result.created)} nieuwe meldingen/"
                       f"signalen, {len(result.withdrawn)} ingetrokken")


def _export_duo_bodies(demo: Demo) -> int:
    """Each SOAP request the DUO stand-in received: its Body's payload into ``duo/*.xml``."""
    envelopes = demo.workdir / "duo" / "envelopes"
    count = 0
    for path in sorted(envelopes.glob("*.xml")):
        root = etree.fromstring(path.read_bytes(), hardened_parser())
        body = root.find(SOAP_BODY)
        if body is None or len(body) != 1:
            raise DemoFailure(f"{path.name}: geen SOAP-body met één bericht")
        (demo.workdir / "duo" / path.name).write_bytes(
            etree.tostring(body[0], xml_declaration=True, encoding="UTF-8"))
        count += 1
    return count


def _export_mails(services: Services, workdir: Path) -> int:
    messages = services.smtp.messages()
    for n, data in enumerate(messages, start=1):
        (workdir / "mail" / f"{n:03d}.eml").write_bytes(data)
    return len(messages)


def run_demo(workdir: Path, echo: Callable[[str], None], sizes: dict[str, int] | None = None) -> DemoResult:
    """Run the whole demo into ``workdir``; the result says whether everything expected happened."""
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    prepare_workdir(workdir)
    with ExitStack() as stack:
        demo = Demo(workdir, Progress(STEPS, echo), stack, sizes or {})
        try:
            return _run(demo)
        except DemoFailure as exc:
            return DemoResult(problems=[str(exc)])


@dataclass(frozen=True)
class World:
    """What the steps after the set-up share: the PKI, the stand-ins, the store, the recipients."""

    pki: Pki
    services: Services
    store: Store
    directory: RecipientDirectory
    api: Api


def _run(demo: Demo) -> DemoResult:
    world = _set_up(demo)
    _first_week(demo, world)
    _duo_outage(demo, world)
    _after_delivery(demo, world)
    return _check_and_summarise(demo, world)


def _after_delivery(demo: Demo, world: World) -> None:
    """Steps 11-14: DUO's statuses by polling, the receivers' reports through the feedback API, days
    later the receivers' deadlines (and DUO closing), the no-show follow-up."""
    store, wall, progress, after = world.store, world.services.wall, demo.progress, demo.after
    worker = wall_worker(demo.stack, store, world.directory, wall, wall.today)
    with progress.step("Een dag later: de worker vraagt DUO welke statussen veranderden (polling)") as d:
        after.unhandled = leave_unhandled(world.services.duo, store, LOCATIONS[-1].key)
        d.append(f"bij DUO pakt niemand no-show {after.unhandled[:8]}… op: die blijft Geregistreerd")
        wall.advance(FIRST_POLL_AFTER)
        after.polls.append(poll_round(worker, store))
        d.append(f"klok van de demo: {wall():%d-%m-%Y %H:%M} UTC; {poll_line(after.polls[-1])}")

    with progress.step("Terugkoppeling via de terugkoppel-API: het Doorstroompunt en Leerplicht "
                       "Den Helder") as d:
        after.reports = receivers_report(world.api, store, world.directory.data, d)

    with progress.step("Dagen later: DUO sluit af, en een ontvanger die stil blijft wordt gesignaleerd") as d:
        move_to(wall, late_day(store, after.silent()))
        after.polls.append(poll_round(worker, store))
        d.append(f"klok van de demo: {wall.today():%d-%m-%Y}; {poll_line(after.polls[-1])}")
        after.late = check_receivers(worker, store)
        d.extend(f"te laat: {line}" for line in late_lines(after.late))
        d.append(f"nog eens gecontroleerd: {after.late.again} nieuwe signalering(en) "
                 "(één keer per melding)")

    with progress.step("No-show-vervolg: contacttaken, tweede vaststelling (Utrecht), nog niet "
                       "ingeroosterd") as d:
        closed = close_a_contact_task(store, LOCATIONS[-1].key, SECOND_SYNC)
        after.followup = follow_up(store, SECOND_SYNC)
        after.followup.closed_task = closed
        d.extend(follow_up_lines(after.followup))


def _set_up(demo: Demo) -> World:
    """Steps 1-4: the PKI, the DUO and SMTP stand-ins, the college and its SIS stand-ins, the schools'
    configuration registered in a new store, and the gateway's HTTP app with a key per school."""
    progress = demo.progress
    with progress.step("Demo-PKI maken (CA, TLS voor gateway en DUO, S/MIME scholen en ontvangers)") as d:
        pki = make_pki(demo.workdir / "pki", LOCATIONS)
        d.append(f"{len(pki.desks)} ontvangende loketten met eigen sleutel in {pki.recipients_dir}")

    with progress.step("DUO-stand-in (mutual TLS) en SMTP-stand-in starten") as d:
        services = start_services(demo.stack, demo.workdir, pki)
        d.append(f"DUO: {services.duo.url}")
        d.append(f"SMTP: {services.smtp.host}:{services.smtp.port} (STARTTLS)")

    with progress.step("Synthetische college-locaties en hun SIS-stand-ins (Magister, Eduarte)") as d:
        for location in LOCATIONS:
            d.append(_start_location(demo, services, location))

    with progress.step("Schoolconfiguratie schrijven, controleren en registreren; de API starten") as d:
        store = _configure_schools(demo, services, pki, d)
        directory = RecipientDirectory.load(cert_dir=pki.recipients_dir)
        api = start_api(demo.stack, store, directory.data, FIRST_SYNC)
        d.append(f"push-API en terugkoppel-API: {api.url} (een API-sleutel per locatie)")
    return World(pki, services, store, directory, api)


def _start_location(demo: Demo, services: Services, location: Location) -> str:
    """Build the location's school, start its SIS stand-in; a line on its students and scenarios."""
    school = build_school(location, demo.sizes.get(location.key))
    demo.schools[location.key] = school
    start_sis(demo.stack, services, location, school, FIRST_SYNC)
    scenarios: dict[str, int] = {}
    for name in school.scenarios.values():
        scenarios[name] = scenarios.get(name, 0) + 1
    mix = ", ".join(f"{n} {k}" for k, n in sorted(scenarios.items()) if k != "regulier")
    if location.sis == "magister":
        secret = services.magister[location.key].sandbox.client_secret
        demo.environ[secret_env_name(location)] = secret
        services.calendar_file(location).write_text(school.calendar.model_dump_json(), encoding="utf-8")
    return (f"{location.name} ({location.sis}): {len(school.students)} studenten, "
            f"{len(school.lessons)} lessen; {mix}")


def _configure_schools(demo: Demo, services: Services, pki: Pki, details: list[str]) -> Store:
    """Write, check and register each location's configuration file in a new store."""
    workdir = demo.workdir
    environ = {**os.environ, **demo.environ}
    write_key_file(workdir)
    store = open_store(Settings(data_dir=workdir, **_keys(workdir)), migrate=True)
    demo.stack.callback(store.close)
    for location in LOCATIONS:
        data = school_data(location, demo.schools[location.key], services, pki)
        path = write_school_file(workdir / "config", location, data)
        check = check_file(path, environ=environ, installed=InstalledAdapters(
            sources=set(available(SOURCES_GROUP)), channels=set(available(CHANNELS_GROUP))))
        if not check.ok:
            raise DemoFailure(f"{path}: " + "; ".join(p.render() for p in check.problems))
        demo.configs[location.key] = load_school_config(path)
        pipeline.register_school(store, demo.configs[location.key], actor="demo:beheer")
        details.append(f"{path.relative_to(workdir)}: in orde, profiel {location.profile}")
    return store


def _first_week(demo: Demo, world: World) -> None:
    """Steps 5-8: the first pull, the coördinator's review, delivery, then a week later the second
    pull with corrections (and the coördinator's review of its new meldingen)."""
    store, services, progress = world.store, world.services, demo.progress
    with progress.step(f"Eerste synchronisatie op {FIRST_SYNC:%d-%m-%Y} en regels toepassen") as d:
        _sync_all(demo, store, FIRST_SYNC, d)
        demo.corrections = 0  # only the second pull's changes are corrections

    with progress.step("De verzuimcoördinator vult aan en keurt goed (push-API), en dient een "
                       "zorgmelding in") as d:
        _coordinate(demo, world, d)
        last = LOCATIONS[-1]
        school = demo.schools[last.key]
        file_zorgmelding(world.api, demo.work, manual_student(last, school.numbers, school.scenarios), d)

    with progress.step("Worker levert af: DUO over mutual TLS, no-show per S/MIME-mail") as d:
        worker = make_worker(demo.stack, store, world.directory, FIRST_SYNC)
        handled = drain(worker, lambda: outbox_empty(store), 60, "afleveren na de eerste synchronisatie")
        d.append(f"{handled} verzendingen verwerkt")

    with progress.step(f"Een week later: tweede synchronisatie op {SECOND_SYNC:%d-%m-%Y} (correcties)") as d:
        first = LOCATIONS[0]
        demo.revised_melding, demo.schools[first.key] = revise(
            store, services, first, demo.schools[first.key], SECOND_SYNC - timedelta(days=2))
        d.append(f"{first.name} herziet een afgeleverde 16-uursmelding: de student bleek ziek")
        for location in LOCATIONS:
            advance_sis(services, location, SECOND_SYNC)
        _sync_all(demo, store, SECOND_SYNC, d)
        world.api.clock.today = SECOND_SYNC
        _coordinate(demo, world, d)
        if demo.corrections == 0:
            raise DemoFailure("de tweede synchronisatie bracht geen correcties binnen")
        d.append(f"{demo.corrections} records gecorrigeerd in de SIS'en")


def _coordinate(demo: Demo, world: World, details: list[str]) -> None:
    """The coördinatoren fill in and approve their review queues; a line on what they did."""
    work = demo.work
    before = (work.filled, work.approved)
    fill_all(world.api, work, details)
    details.append(f"verzuimcoördinator: {work.filled - before[0]} melding(en) aangevuld, "
                   f"{work.approved - before[1]} goedgekeurd; {len(work.held)} bewust onvolledig gelaten "
                   "(de poort houdt ze vast)")


def _duo_outage(demo: Demo, world: World) -> None:
    """Steps 9-10: DUO answers 503 (retries, fallback to mail), then DUO is back (delivered after all)."""
    store, duo, progress = world.store, world.services.duo, demo.progress
    with progress.step("DUO valt uit: de worker probeert opnieuw en valt terug op mail waar het moet") as d:
        waiting = {row.id for row in open_rows(store) if row.route == "duo"}
        if not waiting:
            raise DemoFailure("na de tweede synchronisatie stond er niets klaar voor DUO")
        duo.faults.unavailable_503 = DUO_DOWN
        worker = make_worker(demo.stack, store, world.directory, SECOND_SYNC)
        drain(worker, each_tried_once(store, waiting), 60, "de DUO-storing opvangen")
        with store.read() as conn:
            demo.fallbacks = int(conn.scalar(sa.text(
                "select count(*) from audit_log where action = 'melding.fallback'")) or 0)
        d.append(f"{len(waiting)} verzending(en) naar DUO mislukt (503); "
                 f"{demo.fallbacks} melding(en) met een nabije uiterste melddatum per mail verstuurd")

    with progress.step("DUO is terug: de uitgestelde meldingen gaan alsnog naar DUO") as d:
        duo.faults.unavailable_503 = 0
        handled = drain(worker, lambda: outbox_empty(store), 60, "afleveren na de DUO-storing")
        with store.read() as conn:
            retried = (sa.select(sa.func.count()).select_from(outbox)
                       .where(outbox.c.route == "duo", outbox.c.state == OutboxState.DONE,
                              outbox.c.attempts > 1))
            demo.retried = int(conn.scalar(retried) or 0)
        d.append(f"{handled} verzendingen verwerkt; {demo.retried} melding(en) na de storing alsnog bij DUO")


def _check_and_summarise(demo: Demo, world: World) -> DemoResult:
    """Steps 15-16: export what DUO and the mailboxes received, check it all, and summarise."""
    workdir, store, progress = demo.workdir, world.store, demo.progress
    with progress.step("Controle: afgeleverd of bewust vastgehouden, geen dubbele bij DUO, mail te openen, "
                       "documenten geldig en volledig, audit klopt, terugkoppeling en monitorcijfers") as d:
        bodies = _export_duo_bodies(demo)
        mails = _export_mails(world.services, workdir)
        findings = run_checks(store, workdir, world.pki, held=set(demo.work.held), latest=SECOND_SYNC)
        now = world.services.wall().astimezone(UTC).replace(tzinfo=None)
        check_after_delivery(store, demo.after, findings, as_of=SECOND_SYNC, now=now)
        csv_files = write_csv(store, SECOND_SYNC, now, workdir)
        d.append(f"{bodies} SOAP-berichten in {workdir / 'duo'}, {mails} mails in {workdir / 'mail'}, "
                 f"monitorcijfers in {', '.join(p.name for p in csv_files)}")
        problems = list(findings.problems) + _expectations(demo, store, findings)
        for problem in problems[:SHOWN_PROBLEMS]:
            d.append(f"PROBLEEM: {problem}")

    with progress.step("Samenvatting"):
        summary = [*per_rule(store), "", *per_channel(store, findings), "",
                   *per_review(store, demo.work), "", *per_receiver(demo.after, findings)]
    return DemoResult(problems=problems, summary=summary)


def _keys(workdir: Path) -> dict[str, object]:
    settings = Settings.from_env({"VERZUIM_DATA_DIR": str(workdir)})
    return {"encryption_keys": settings.encryption_keys, "active_key_id": settings.active_key_id}


# The rules the synthetic college is made to show (no-shows, 16-hour cases, LRV, luxe verzuim,
# lateness in the Utrecht profile, long sickness): each must have given at least one decision.
EXPECTED_RULES = ("no-show", "verzuim-16u", "herhaalmelding", "lrv", "luxe-verzuim", "te-laat",
                  "zorg-langdurig-ziek")


def missing_rules(store: Store) -> list[str]:
    """A Dutch line for each expected rule that gave no melding, signaal or taak."""
    with store.read() as conn:
        seen = set(conn.scalars(sa.select(meldingen.c.rule).distinct()))
    return [f"de regel {rule} gaf geen enkele melding of signaal" for rule in EXPECTED_RULES
            if rule not in seen]


def _expectations(demo: Demo, store: Store, findings: Findings) -> list[str]:
    missing = missing_rules(store)
    revised = get_melding(store, demo.revised_melding)
    if revised is None or revised.status != State.INGETROKKEN:
        missing.append("de herziene 16-uursmelding is niet ingetrokken")
    if findings.duo_withdrawals < 1:
        missing.append("DUO heeft geen intrekking ontvangen")
    if demo.retried < 1:
        missing.append("geen enkele melding kwam na opnieuw proberen alsnog bij DUO aan")
    if demo.fallbacks < 1:
        missing.append("geen enkele melding viel terug op mail tijdens de DUO-storing")
    if not findings.duo_kenmerken:
        missing.append("DUO heeft geen enkele melding ontvangen")
    if not findings.mails:
        missing.append("er is geen enkele mail verstuurd")
    if len(demo.after.reports.posted) < 1:
        missing.append("er kwam geen terugkoppeling binnen")
    return missing + _review_expectations(demo.work, findings)


def _review_expectations(work: Coordination, findings: Findings) -> list[str]:
    """The coördinator's part: meldingen approved, the gate holding some, the zorgmelding filed once."""
    missing = list(work.problems)
    if work.approved < 1:
        missing.append("de verzuimcoördinator keurde geen enkele melding goed")
    if not work.held:
        missing.append("geen enkele melding bleef onvolledig in de wachtrij (de poort is niet te zien)")
    if not work.manual_id:
        missing.append("er is geen handmatige zorgmelding ingediend")
    elif work.manual_again_id != work.manual_id or work.manual_created_again:
        missing.append("de tweede indiening van de zorgmelding gaf niet de eerste terug")
    elif work.manual_id not in findings.duo_kenmerken and work.manual_id not in findings.mail_ids():
        missing.append(f"de handmatige zorgmelding {work.manual_id} is niet afgeleverd")
    return missing


__all__ = ["DemoResult", "Location", "run_demo"]
