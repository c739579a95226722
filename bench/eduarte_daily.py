"""Benchmark: the daily Eduarte sync of a college, through the command a school runs.

A synthetic college (``--size`` students, lessons from 31 August to ``--day``) is rendered by the
Eduarte stand-in as the full-snapshot exports of day D-1 and day D (D: ``--day``, a school day). The
store knows the school, its students and the cursor of D-1; then
``verzuim-gateway sync --school S --source eduarte --as-of D --no-evaluate`` is timed as a separate
process (startup included), ``--runs`` times from the same starting point, with its peak memory.
Per stage it prints the setup, the adapter's read of D in-process (how many lines it parsed and
how long it took) and the command's total; the ingest is the difference. Wall and CPU time are both
printed: on a shared machine the CPU time is the figure that does not depend on the neighbours.

What it leaves out, plainly:
- Evaluation: the sync runs with ``--no-evaluate`` (evaluation through the store is timed elsewhere).
- The year's attendance is not in the store. A first sync of a college's year is one batch of
  ~19 M records, which does not fit in memory as objects; that is not the daily job. The setup
  builds the adapter's state of D-1 in-process (``EduarteSource.baseline``, attendance left out)
  and stores the students with that cursor. So the timed ingest inserts D's new and re-read
  records into an attendance table that does not hold the year: inserts, where a real store would
  compare most re-read records with stored ones and find them unchanged.
- SQLite only (the gateway's default store).
- The command is run as ``bench/daily.py`` runs it (``bench.daily.cli``): its peak memory is its
  own high-water mark, not the figure Linux carries over from this process. ``sync --as-of D``
  also sets the day lessons may not lie after, so a synthetic year ahead of today loads as is.

Run: ``.venv/bin/python bench/eduarte_daily.py --size 20000 --runs 3`` (``--drop DIR`` reuses a drop
folder whose two newest snapshots are D-1 and D; writing a year of 20,000 students takes minutes).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.eduarte import create_source
from adapters.eduarte.exports import KINDS, export_path, snapshots
from adapters.eduarte.sandbox import EduarteSandbox
from adapters.eduarte.state import split_cursor
from bench.daily import cli
from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.config.settings import Settings, open_store, write_key_file
from gateway.domain.calendar import SchoolCalendar
from gateway.store import get_cursor
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES, generate_school

SCHOOL_ID, BRIN = "88YY00", "88YY"
_COUNTS = re.compile(r"eduarte: (\d+) nieuw, (\d+) gewijzigd, (\d+) ingetrokken")


def _timed(label: str, started: float) -> float:
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.1f} s", flush=True)
    return seconds


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Build (or reuse) the college's exports of D-1 and D, then time the daily sync of D."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2027, 6, 30))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--drop", type=Path,
                        help="reuse this drop folder: its two newest snapshots are D-1 and D")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (a later run with the "
                        "same --keep and --drop reuses its setup)")
    parser.add_argument("--as-of", type=date.fromisoformat,
                        help="the sync's day with --drop (default: --day); the stand-in stamps by the clock")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    work = args.keep or Path(tempfile.mkdtemp(prefix="eduarte-daily-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        drop = args.drop or _write_exports(args.size, args.day, work / "drop")
        _bench(drop, args.as_of or args.day, args.runs, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _write_exports(size: int, day: date, drop: Path) -> Path:
    """The stand-in's exports of the school day before ``day`` and of ``day``."""
    print(f"Eduarte daily sync, {size} students, day {day}", flush=True)
    started = time.perf_counter()
    school = generate_school(seed=1, size=size, brin=BRIN, end=day)
    days = [d for d in SchoolCalendar(school.calendar).school_days if school.start <= d <= day]
    if days[-1] != day:
        raise SystemExit(f"{day} is geen schooldag")
    _timed(f"synthetic school ({len(school.lessons)} lessons until {day})", started)
    sandbox = EduarteSandbox(school=school, folder=drop, today=days[-2])
    for today in days[-2:]:
        sandbox.today = today
        started = time.perf_counter()
        sandbox.write_snapshot()
        _timed(f"stand-in writes the export of {today}", started)
    return drop


def _setup(data: Path, env: dict[str, str], config: dict[str, str], previous: str, as_of: date) -> None:
    """Register the school and store its students with the adapter's cursor of D-1."""
    write_key_file(data)
    store = open_store(Settings.from_env(env), migrate=True)
    pipeline.register_school(store, SchoolConfig(
        id=SCHOOL_ID, brin=BRIN, oin="00000008888888880000", name="Bench College",
        sources={"eduarte": config}, leslocaties=list(SYNTHETIC_LESLOCATIES)), "bench")
    started, cpu = time.perf_counter(), time.process_time()
    baseline = create_source(config).baseline(previous)
    _timed(f"setup: adapter state of D-1 (whole export read, attendance left out; "
           f"{time.process_time() - cpu:.0f} s CPU)", started)
    result = pipeline.ingest(store, SCHOOL_ID, "eduarte", baseline, "bench", as_of=as_of)
    assert result.accepted, result.rejected[:3]
    store.close()


def _bench(drop: Path, as_of: date, runs: int, work: Path) -> None:
    previous, day = snapshots(drop)[-2:]
    size_mb = export_path(drop, "waarnemingen", day).stat().st_size / 1e6
    print(f"exports D-1 {previous}, D {day} (school day {as_of}) in {drop}; waarnemingen of D: "
          f"{size_mb:.0f} MB", flush=True)
    data, config = work / "data", {"drop_folder": str(drop), "brin": BRIN}
    env = {**os.environ, "VERZUIM_DATA_DIR": str(data)}
    db = data / "gateway.db"
    if (work / "gateway.db.d-1").is_file():  # the setup of an earlier run in this work folder
        shutil.copy(work / "gateway.db.d-1", db)
        print("setup: reused from the work folder", flush=True)
    else:
        _setup(data, env, config, previous, as_of)
        shutil.copy(db, work / "gateway.db.d-1")
    store = open_store(Settings.from_env(env))
    baseline_cursor = get_cursor(store, SCHOOL_ID, "eduarte")
    store.close()
    # The adapter keeps only the state the stored cursor names: keep D-1's for later runs.
    name = f"{split_cursor(baseline_cursor)[1]}.npz"
    kept, used = work / name, drop / ".verzuim-gateway" / name
    if not used.is_file():
        shutil.copy(kept, used)
    elif not kept.is_file():
        shutil.copy(used, kept)

    fetch_times, fetch_cpu = [], []
    for _ in range(runs):
        source = create_source(config)
        started, cpu = time.perf_counter(), time.process_time()
        batch = source.fetch(baseline_cursor)
        fetch_times.append(time.perf_counter() - started)
        fetch_cpu.append(time.process_time() - cpu)
    stats = source.last_read
    print(f"adapter read of D (in-process): median {statistics.median(fetch_times):.1f} s wall "
          f"(runs: {', '.join(f'{t:.1f}' for t in fetch_times)}), {statistics.median(fetch_cpu):.1f} s CPU; "
          f"{stats.rows_read:,} of {stats.lines:,} lines parsed; {len(batch.records):,} records, "
          f"{len(batch.students)} students, "
          f"{len(batch.withdrawn_record_ids)} withdrawn", flush=True)
    for stage, seconds in stats.seconds.items():
        print(f"  {stage}: {seconds:.1f} s (last run)", flush=True)

    cli_times, cli_cpu, peaks, counts = [], [], [], ""
    for _ in range(runs):
        shutil.copy(work / "gateway.db.d-1", db)
        command = ["sync", "--school", SCHOOL_ID, "--source", "eduarte", "--as-of", as_of.isoformat(),
                   "--no-evaluate", "--actor", "bench"]
        cpu = _child_cpu()
        run = cli(command, env, work)
        cli_times.append(run.seconds)
        cli_cpu.append(_child_cpu() - cpu)
        peaks.append(round(run.peak_mb))
        match = _COUNTS.search(run.output)
        counts = match.group(0) if match else run.output.strip().splitlines()[-1]
    median = statistics.median(cli_times)
    print(f"verzuim-gateway sync --source eduarte --as-of {as_of} --no-evaluate: median {median:.1f} s wall "
          f"(runs: {', '.join(f'{t:.1f}' for t in cli_times)}), {statistics.median(cli_cpu):.1f} s CPU, "
          f"peak {max(peaks)} MB; {counts}", flush=True)
    print(f"  of which ingest and startup (command minus adapter read): "
          f"{median - statistics.median(fetch_times):.1f} s wall, "
          f"{statistics.median(cli_cpu) - statistics.median(fetch_cpu):.1f} s CPU", flush=True)

    store = open_store(Settings.from_env(env))
    cursor = get_cursor(store, SCHOOL_ID, "eduarte")
    store.close()
    again = (datetime.strptime(day, "%Y%m%dT%H%M%S") + timedelta(seconds=1)).strftime("%Y%m%dT%H%M%S")
    for kind in KINDS:  # the same day exported again: nothing changed
        shutil.copy(export_path(drop, kind, day), export_path(drop, kind, again))
    source = create_source(config)
    started, cpu = time.perf_counter(), time.process_time()
    unchanged = source.fetch(cursor)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    for kind in KINDS:
        export_path(drop, kind, again).unlink()
    print(f"unchanged re-export (in-process): {seconds:.1f} s wall, {cpu:.1f} s CPU, "
          f"{source.last_read.rows_read} lines parsed, "
          f"file skipped: {source.last_read.file_skipped}, {len(unchanged.records)} records, "
          f"{len(unchanged.withdrawn_record_ids)} withdrawn", flush=True)


if __name__ == "__main__":
    main()
