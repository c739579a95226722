"""The daily job end to end: ``verzuim-gateway sync --as-of D`` on a college with a year in the store.

For each size and dialect the bench builds a college once: the synthetic school (a full school
year), ingested day by day through ``gateway.pipeline.ingest`` (what ``sync`` does) with the
records a correct Magister adapter yields (``MagisterSandbox.records_between``: the same ids and
values, without HTTP). It then copies that store, stores on the copy the Magister cursor a real
pull of the last day would have left, and times through the CLI as a subprocess:

- the first evaluation of the whole year: ``sync --as-of D-1`` (its pull re-reads the window's
  absences and finds nothing new; the evaluation is its own stage, ``regels``);
- the daily job for ``--runs`` new school days D, D+1, ...: ``sync --as-of D`` pulls the day from
  the Magister stand-in (served from this process over loopback HTTP), ingests and evaluates.

Every figure comes from ``sync --timings-json`` (pull, ingest, evaluation and its own stages), the
wall time of the command and its peak memory (VmHWM of the subprocess, written as it exits).
Daily figures are medians over the days. What it leaves out: the students' list and the calendar
do not change during the year; the build itself is not what a school runs (printed for reference).

Run: ``.venv/bin/python bench/daily.py --sizes 5000,20000 --dialects sqlite,postgresql --runs 3``;
``--keep`` reuses a store built before (5,000 students, 5.5 M records: about 10 minutes on a
2-core machine; 20,000 students, 22 M records: about an hour); the copy is migrated before the
runs. PostgreSQL uses databases of its own (``verzuim_bench_<size>`` and a copy ``…_run``) on
``--pg``; ``--build-only`` builds for a later ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog

from adapters.magister.convert import mark_of
from adapters.magister.sandbox import MagisterSandbox, RunningSandbox, start_sandbox
from adapters.magister.source import Cursor, encode_cursor
from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.config.settings import Settings, open_store, write_key_file
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.ports import SourceBatch
from gateway.intake.mapping import late_minutes, load_code_mapping
from gateway.pipeline.batches import store_cursor
from gateway.store.schema import ingest_batches
from gateway.testing.synthetic import (
    SYNTHETIC_LESLOCATIES,
    SyntheticSchool,
    default_calendar,
    generate_school,
)

START = date(2025, 9, 1)  # a school year that has ended: sync refuses lessons after today
BRIN = "99XX"
SCHOOL_ID = "99XX00"
WINDOW_DAYS = 28  # the Magister adapter's default rolling window
# ``verzuim-gateway`` as ``python -c``: the same entry point, plus its peak memory (VmHWM) written at
# exit. ``ru_maxrss`` of the child (``os.wait4``) cannot be used: Linux carries the high-water mark
# of the forking process (this bench, holding the school) across exec into the child's figure.
_CLI = """
import atexit, os, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_peak)
from gateway.cli import main
sys.argv[0] = "verzuim-gateway"
main()
"""
CLI = [sys.executable, "-c", _CLI]


@dataclass
class Run:
    """One CLI run: wall seconds, peak memory (MB), and the stages ``sync`` measured."""

    seconds: float
    peak_mb: float
    stages: dict[str, float]
    output: str


def cli(args: list[str], env: dict[str, str], workdir: Path) -> Run:
    """Run ``verzuim-gateway`` as a subprocess; its peak memory is its own VmHWM (see ``_CLI``)."""
    timings, peak = workdir / "timings.json", workdir / "peak.txt"
    timings.unlink(missing_ok=True)
    peak.unlink(missing_ok=True)
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        process = subprocess.Popen([*CLI, *args, "--timings-json", str(timings)], stdout=out, stderr=err,
                                   env={**os.environ, **env, "BENCH_PEAK_FILE": str(peak)})
        process.wait()
        seconds = time.perf_counter() - started
    output = out_path.read_text() + err_path.read_text()[-3000:]
    if process.returncode != 0:
        raise SystemExit(f"verzuim-gateway {' '.join(args)} failed ({process.returncode}):\n{output}")
    stages: dict[str, float] = {}
    for part in json.loads(timings.read_text()):
        prefix = "regels." if part["onderdeel"] == "regels" else ""
        for stage, value in part["seconden"].items():
            stages[prefix + stage] = stages.get(prefix + stage, 0.0) + value
    return Run(seconds, int(peak.read_text()) / 1024, stages, output)


# --- the store ----------------------------------------------------------------------------------


@dataclass
class Place:
    """Where one size's store lives, per dialect: the built store and the copy the runs change."""

    dialect: str
    size: int
    workdir: Path
    pg: str

    @property
    def built_dir(self) -> Path:
        return self.workdir / f"{self.dialect}-{self.size}" / "built"

    @property
    def run_dir(self) -> Path:
        return self.workdir / f"{self.dialect}-{self.size}" / "run"

    def database(self, run: bool) -> str:
        return f"verzuim_bench_{self.size}" + ("_run" if run else "")

    def env(self, run: bool) -> dict[str, str]:
        folder = self.run_dir if run else self.built_dir
        env = {"VERZUIM_DATA_DIR": str(folder), "VERZUIM_LOG_LEVEL": "warning"}
        if self.dialect == "postgresql":
            env["VERZUIM_DATABASE_URL"] = f"{self.pg}/{self.database(run)}"
        return env

    def built(self) -> bool:
        return (self.built_dir / "built.json").exists()

    def psql(self, sql: str) -> None:
        subprocess.run(["psql", f"{self.pg}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       check=True, capture_output=True)

    def fresh(self) -> None:
        """An empty built store (a new key file, a new database)."""
        shutil.rmtree(self.built_dir, ignore_errors=True)
        self.built_dir.mkdir(parents=True)
        write_key_file(self.built_dir)
        if self.dialect == "postgresql":
            self.psql(f"DROP DATABASE IF EXISTS {self.database(False)}")
            self.psql(f"CREATE DATABASE {self.database(False)}")

    def copy(self) -> float:
        """The runs' store: a copy of the built one (so every run starts from the same day)."""
        started = time.perf_counter()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        shutil.copytree(self.built_dir, self.run_dir)
        if self.dialect == "postgresql":
            self.psql(f"DROP DATABASE IF EXISTS {self.database(True)}")
            self.psql(f"CREATE DATABASE {self.database(True)} TEMPLATE {self.database(False)}")
        return time.perf_counter() - started


def school_config(running: RunningSandbox, calendar_file: Path, today: date) -> SchoolConfig:
    """The college's configuration: one Magister source, the stand-in's clock as the adapter's."""
    source = running.sandbox.adapter_config(running.url, calendar_file=str(calendar_file),
                                            today=today.isoformat(), window_days=WINDOW_DAYS)
    return SchoolConfig(id=SCHOOL_ID, brin=BRIN, oin="00000009999999990000", name="Benchcollege",
                        sources={"magister": source}, leslocaties=list(SYNTHETIC_LESLOCATIES))


def daily_batches(sandbox: MagisterSandbox, days: list[date], minutes: int) -> Iterator[SourceBatch]:
    """One batch per school day, as the SIS shows it on the sandbox's today."""
    school = sandbox.school
    stamp = load_code_mapping("magister").stamp
    for i, day in enumerate(days):
        yield SourceBatch(students=list(school.students) if i == 0 else [],
                          records=list(sandbox.records_between(day, day, late_minutes=minutes)),
                          calendar=school.calendar if i == 0 else None, mapping=stamp)


def set_cursor(place: Place, sandbox: MagisterSandbox, until: date) -> float:
    """Store the Magister cursor a real pull on ``until`` leaves (ids seen and absences of the
    rolling window), so the next ``sync`` pulls only the new day; seconds taken."""
    started = time.perf_counter()
    sandbox.today = until
    minutes = late_minutes(load_code_mapping("magister"))
    first = until - timedelta(days=WINDOW_DAYS)
    records = list(sandbox.records_between(first, until, late_minutes=minutes))
    cursor = encode_cursor(BRIN, Cursor(until=until, seen={r.id: r.date.isoformat() for r in records},
                                        checked=until,
                                        marked={r.id: mark_of(r) for r in records if r.status != "present"}))
    # Migrated first: a store built before the newest migrations is upgraded as a deploy would.
    store = open_store(Settings.from_env(place.env(run=True)), migrate=True)
    try:
        with store.write() as conn:
            seq = conn.scalar(sa.select(sa.func.max(ingest_batches.c.seq)))
            store_cursor(conn, SCHOOL_ID, "magister", cursor, int(seq))
    finally:
        store.close()
    return time.perf_counter() - started


def build(place: Place, school: SyntheticSchool, running: RunningSandbox, calendar_file: Path,
          until: date) -> None:
    """Ingest the school year up to ``until`` day by day into a fresh store; prints the figures."""
    place.fresh()
    settings = Settings.from_env(place.env(run=False))
    store = open_store(settings, migrate=True)
    started = time.perf_counter()
    count = 0
    try:
        pipeline.register_school(store, school_config(running, calendar_file, until), "bench")
        days = [d for d in SchoolCalendar(school.calendar).school_days if school.start <= d <= until]
        running.sandbox.today = until
        minutes = late_minutes(load_code_mapping("magister"))
        for n, batch in enumerate(daily_batches(running.sandbox, days, minutes), start=1):
            result = pipeline.ingest(store, SCHOOL_ID, source="magister", batch=batch, actor="bench",
                                     as_of=until)
            if not result.accepted:
                raise SystemExit(f"bulk batch refused: {result.rejected[:3]}")
            count += len(batch.records)
            if n % 20 == 0:
                rate = count / (time.perf_counter() - started)
                print(f"    built {n}/{len(days)} days, {count:,} records ({rate:,.0f}/s)", flush=True)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    (place.built_dir / "built.json").write_text(json.dumps({"until": until.isoformat(), "records": count,
                                                             "seconds": seconds}))
    print(f"  build: {count:,} records in {len(days)} daily batches: {seconds:.0f} s "
          f"({count / seconds:,.0f} records/s)", flush=True)


# --- the runs -----------------------------------------------------------------------------------


def sync(place: Place, running: RunningSandbox, calendar_file: Path, day: date) -> Run:
    """``verzuim-gateway sync --as-of day`` with the stand-in's and the adapter's clock on ``day``."""
    running.sandbox.today = day
    settings = Settings.from_env(place.env(run=True))
    store = open_store(settings)
    try:  # the stand-in's port and the adapter's clock (a school's adapter uses today's date)
        pipeline.register_school(store, school_config(running, calendar_file, day), "bench")
    finally:
        store.close()
    return cli(["sync", "--as-of", day.isoformat(), "--actor", "bench", "--timings"], place.env(run=True),
               place.run_dir)


def _fmt(stages: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in stages.items())


def measure(place: Place, school: SyntheticSchool, runs: int, *,
            build_only: bool = False) -> dict[str, Any] | None:
    """Build (or reuse) the store, then the first evaluation and ``runs`` daily syncs on a copy."""
    days = [d for d in SchoolCalendar(school.calendar).school_days if school.start <= d <= school.end]
    new_days = days[-runs:]
    until = days[-runs - 1]
    with tempfile.TemporaryDirectory() as tmp, start_sandbox(school, today=until) as running:
        calendar_file = Path(tmp) / "kalender.json"
        calendar_file.write_text(school.calendar.model_dump_json(), encoding="utf-8")
        if not place.built() or json.loads((place.built_dir / "built.json").read_text())["until"] \
                != until.isoformat():
            build(place, school, running, calendar_file, until)
        else:
            print(f"  build: reused {place.built_dir}", flush=True)
        if build_only:
            return None
        print(f"  copy of the built store: {place.copy():.0f} s", flush=True)
        seconds = set_cursor(place, running.sandbox, until)
        print(f"  Magister cursor of {until} stored: {seconds:.0f} s", flush=True)
        first = sync(place, running, calendar_file, until)
        print(f"  first evaluation (sync --as-of {until}): {first.seconds:.1f} s, "
              f"peak {first.peak_mb:,.0f} MB; {_fmt(first.stages)}", flush=True)
        daily = []
        for day in new_days:
            run = sync(place, running, calendar_file, day)
            daily.append(run)
            print(f"  daily sync --as-of {day}: {run.seconds:.1f} s, peak {run.peak_mb:,.0f} MB; "
                  f"{_fmt(run.stages)}", flush=True)
    stages = sorted({k for r in daily for k in r.stages})
    return {
        "first": first,
        "daily_seconds": statistics.median(r.seconds for r in daily),
        "daily_peak": statistics.median(r.peak_mb for r in daily),
        "daily_stages": {k: statistics.median(r.stages.get(k, 0.0) for r in daily) for k in stages},
    }


def main() -> None:
    """Build, measure and print a table per dialect and size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000,20000")
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3, help="new school days synced (median)")
    parser.add_argument("--keep", action="store_true", help="reuse a store built by an earlier run")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "verzuim-bench-daily")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build-only", action="store_true",
                        help="build the stores (for --keep), time nothing")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    results = []
    for dialect in args.dialects.split(","):
        for size in [int(x) for x in args.sizes.split(",")]:
            place = Place(dialect, size, args.workdir, args.pg)
            if not args.keep:
                shutil.rmtree(place.built_dir, ignore_errors=True)
            started = time.perf_counter()
            last = default_calendar(START).last_school_day
            school = generate_school(args.seed, size, start=START, end=last)
            print(f"{dialect}, {size:,} students: school generated in {time.perf_counter() - started:.1f} s",
                  flush=True)
            result = measure(place, school, args.runs, build_only=args.build_only)
            if result is not None:
                results.append((dialect, size, result))
    print("\nmedians of the daily syncs (seconds; peak memory of the CLI process)")
    print(f"{'dialect':<11}{'students':>9}{'pull':>7}{'ingest':>8}{'rules':>7}{'daily':>7}{'peak MB':>9}"
          f"{'first eval':>11}{'peak MB':>9}")
    for dialect, size, r in results:
        s, first = r["daily_stages"], r["first"]
        print(f"{dialect:<11}{size:>9,}{s.get('ophalen', 0):>7.1f}{s.get('opslaan', 0):>8.1f}"
              f"{s.get('regels.totaal', 0):>7.1f}{r['daily_seconds']:>7.1f}{r['daily_peak']:>9,.0f}"
              f"{first.stages.get('regels.totaal', 0):>11.1f}{first.peak_mb:>9,.0f}")
        rules = {k.removeprefix("regels."): v for k, v in s.items() if k.startswith("regels.")}
        print(f"{'':<11}{'':>9}  evaluation stages: {_fmt(rules)}")


if __name__ == "__main__":
    main()
