"""The console at college scale: page times of ``verzuim-gateway serve`` over loopback HTTP.

The bench builds a store of a college (``--students`` synthetic students ingested through
``gateway.pipeline.ingest``, so their names are encrypted and indexed for search as a sync leaves
them) and ``--meldingen`` meldingen spread over a school year, rules, statuses, recipients and
leslocaties, each with an audit entry. It then starts the real command as a subprocess, signs in
through the form, and times each page ``--runs`` times: the lists with filters, a name search, a
deep page, sorting, one melding, the audit trail with its chain check, the monthly report and its
CSV. It prints the median and the slowest run per page.

What it leaves out: the meldingen are written straight into the store, not made by the rules (their
evidence is empty, so a melding page has no lessons to read; the rules' own cost is
``bench/daily.py``'s); they have no outbox rows, so "onbestelbaar" lists none; no attendance is
stored, so every student counts as not yet on a timetable on the no-show board (a real school has
few); and no other load runs against the server.

Run: ``.venv/bin/python bench/console.py --students 20000 --meldingen 30000 --runs 5``
(``--dialect postgresql --pg URL`` for PostgreSQL; ``--keep DIR`` reuses a built store).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.config.settings import Settings, open_store, write_key_file
from gateway.domain.lifecycle import State
from gateway.domain.ports import SourceBatch
from gateway.domain.signals import MESSAGE_ID_NAMESPACE, Signal, business_id
from gateway.rules.catalogue import LEGAL_BASIS
from gateway.store import audit
from gateway.store.schema import meldingen
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES, generate_school

SCHOOL_ID = "99XX00"
USER = f"coordinator-{uuid.uuid4().hex[:8]}@bench"  # one per run: a reused store keeps earlier ones
PASSWORD = uuid.uuid4().hex  # made at run time: no password is committed
YEAR_START = date(2026, 8, 31)
TODAY = date.today()  # serve's console works on today (Amsterdam): the year runs up to it
LAST_MONTH = (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
# Rule -> (weight, recipient): roughly what a college's year holds.
RULES = {"verzuim-16u": (30, "leerplicht"), "herhaalmelding": (12, "leerplicht"), "lrv": (4, "leerplicht"),
         "rmc-4w": (10, "rmc"), "luxe-verzuim": (3, "leerplicht"), "no-show": (6, "dsp"),
         "te-laat": (15, "leerplicht"), "zorg-vaak-ziek": (10, "school"), "intern-10u": (10, "school")}
STATUSES = {State.CONCEPT: 8, State.KLAAR: 2, State.ONTVANGEN: 40, State.IN_BEHANDELING: 15,
            State.AFGESLOTEN: 25, State.ONBESTELBAAR: 2, State.INGETROKKEN: 8}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _melding_rows(rng: random.Random, student_ids: list[str], count: int) -> Iterator[dict[str, object]]:
    rules, weights = list(RULES), [w for w, _ in RULES.values()]
    states, state_weights = list(STATUSES), list(STATUSES.values())
    now = datetime.now(UTC).replace(tzinfo=None)
    for _ in range(count):
        rule = rng.choices(rules, weights)[0]
        recipient = RULES[rule][1]
        trigger = YEAR_START + timedelta(days=rng.randrange((TODAY - YEAR_START).days))
        start = trigger - timedelta(days=27)
        status = State.INTERN if recipient == "school" else rng.choices(states, state_weights)[0]
        signal = Signal(rule=rule, kind="signaal" if recipient == "school" else "melding",
                        student_id=rng.choice(student_ids), recipient=recipient, trigger_date=trigger,
                        period_start=start, period_end=None, due_date=trigger + timedelta(days=7),
                        hours=round(rng.uniform(16, 40), 2), actie_gewenst=False,
                        legal_basis=LEGAL_BASIS[rule], evidence=(), explanation="bench")
        bid = business_id(signal.student_id, rule, start, trigger) + f"|{uuid.uuid4().hex[:8]}"
        delivered = status not in (State.CONCEPT, State.KLAAR, State.INTERN, State.ONBESTELBAAR)
        received = trigger + timedelta(days=rng.randrange(9))
        yield {"id": str(uuid.uuid5(MESSAGE_ID_NAMESPACE, bid)), "school_id": SCHOOL_ID, "business_id": bid,
               "student_id": signal.student_id, "rule": rule, "kind": signal.kind, "recipient": recipient,
               "route": None if recipient == "school" else "mail", "status": status.value,
               "trigger_date": trigger, "period_start": start, "period_end": None,
               "due_date": signal.due_date, "hours": signal.hours, "signal": json.dumps(signal.to_json()),
               "profile_stamp": "bench", "missing": "[]",
               "delivered_at": datetime.combine(received, datetime.min.time()) if delivered else None,
               "created_at": now, "updated_at": now}


def _settings(data_dir: Path, database_url: str | None) -> Settings:
    env = {"VERZUIM_DATA_DIR": str(data_dir)}
    if database_url:
        env["VERZUIM_DATABASE_URL"] = database_url
    return Settings.from_env(env)


def build(data_dir: Path, students: int, count: int, database_url: str | None) -> Settings:
    """A store with the college's students and ``count`` meldingen, each with an audit entry."""
    write_key_file(data_dir)
    settings = _settings(data_dir, database_url)
    store = open_store(settings, migrate=True)
    school = generate_school(seed=7, size=students, start=YEAR_START)
    config = SchoolConfig(id=SCHOOL_ID, brin="99XX", oin="00000009999999990000", name="ROC Bench",
                          review_required=True, leslocaties=list(SYNTHETIC_LESLOCATIES))
    pipeline.register_school(store, config, "bench")
    batch = SourceBatch(students=list(school.students), records=[], calendar=school.calendar, cursor="bench")
    pipeline.ingest(store, SCHOOL_ID, "bench", batch, "bench", as_of=TODAY)
    rng = random.Random(11)
    ids = [s.id for s in school.students]
    rows = list(_melding_rows(rng, ids, count))
    with store.write() as conn:
        for i in range(0, len(rows), 2000):
            conn.execute(meldingen.insert(), rows[i:i + 2000])
        audit.append_many(conn, [audit.Entry(actor="bench", action="melding.aangemaakt", school_id=SCHOOL_ID,
                                             subject=str(r["id"]), data={"regel": r["rule"]}) for r in rows])
    store.close()
    return settings


def _env(settings: Settings, data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "VERZUIM_DATA_DIR": str(data_dir), "VERZUIM_LOG_LEVEL": "warning",
           "VERZUIM_USER_PASSWORD": PASSWORD}
    if settings.database_url:
        env["VERZUIM_DATABASE_URL"] = settings.database_url
    return env


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """``verzuim-gateway serve`` on a free loopback port, until the block ends."""
    port = _free_port()
    cli = str(Path(sys.executable).with_name("verzuim-gateway"))
    proc = subprocess.Popen([cli, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    said = proc.stderr.read().decode() if proc.stderr else ""
                    raise SystemExit(f"serve did not start: {said}") from exc
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def sign_in(client: httpx.Client) -> None:
    """Through the sign-in form, as a person does."""
    form = client.get("/console/aanmelden").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    answer = client.post("/console/aanmelden", data={"username": USER, "password": PASSWORD,
                                                     "csrf": token.group(1)})
    assert answer.status_code == 303, answer.status_code


def pages(client: httpx.Client) -> dict[str, str]:
    """The pages timed, by what a coordinator does."""
    listed = client.get("/console/meldingen").text
    first = re.search(r'href="/console/meldingen/([0-9a-f-]{36})"', listed)
    melding = f"/console/meldingen/{first.group(1)}" if first else "/console/meldingen"
    return {
        "meldingen (actie nodig)": "/console/meldingen?actie=1",
        "meldingen, alle": "/console/meldingen",
        "meldingen, regel+status": "/console/meldingen?regel=verzuim-16u&status=ontvangen",
        "meldingen, locatie+periode": f"/console/meldingen?locatie={SYNTHETIC_LESLOCATIES[0]}"
                                      "&van=2026-10-01&tot=2026-12-31",
        "meldingen, zoek op naam": "/console/meldingen?zoek=de",
        "meldingen, pagina 100": "/console/meldingen?pagina=100",
        "meldingen, sorteer uren": "/console/meldingen?sorteer=-uren",
        "één melding": melding,
        "termijnen": "/console/termijnen",
        "onbestelbaar": "/console/onbestelbaar",
        "no-show": "/console/no-show",
        "leerlingen": "/console/leerlingen",
        "leerlingen, zoek": "/console/leerlingen?zoek=jan",
        "audittrail": "/console/audit",
        "rapportage": f"/console/rapportage?maand={LAST_MONTH}",
        "rapportage CSV": f"/console/rapportage.csv?maand={LAST_MONTH}",
    }


def main() -> None:
    """Build (or reuse), serve, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--meldingen", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@localhost/verzuim_bench_console")
    parser.add_argument("--keep", type=Path, default=None, help="build here once and reuse it")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="verzuim-bench-console-"))
    url = args.pg if args.dialect == "postgresql" else None
    built = (data_dir / "built").exists()
    started = time.perf_counter()
    settings = _settings(data_dir, url) if built else build(data_dir, args.students, args.meldingen, url)
    (data_dir / "built").touch()
    print(f"store: {args.dialect}, {args.students} leerlingen, {args.meldingen} meldingen "
          f"({'reused' if built else f'built in {time.perf_counter() - started:.0f} s'})")
    env = _env(settings, data_dir)
    subprocess.run([str(Path(sys.executable).with_name("verzuim-gateway")), "user", "create", USER,
                    "--school", SCHOOL_ID, "--role", "beheerder"], env=env, check=False,
                   capture_output=True)
    try:
        with serving(env) as base, httpx.Client(base_url=base, timeout=60) as client:
            sign_in(client)
            print(f"{'page':30} {'status':>6} {'median ms':>10} {'max ms':>8} {'KiB':>6}")
            for name, path in pages(client).items():
                times, status, size = [], 0, 0
                for _ in range(args.runs):
                    begin = time.perf_counter()
                    answer = client.get(path)
                    times.append((time.perf_counter() - begin) * 1000)
                    status, size = answer.status_code, len(answer.content)
                median = statistics.median(times)
                print(f"{name:30} {status:>6} {median:>10.0f} {max(times):>8.0f} {size // 1024:>6}")
    finally:
        if args.keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
