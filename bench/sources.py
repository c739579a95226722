"""Benchmark of the source side: synthetic school, Magister full and daily pulls, an Eduarte full
pull, a push batch.

Prints medians of several runs. Run: ``.venv/bin/python bench/sources.py [--size 300] [--runs 3]``.

What it leaves out: the command. The adapters' pulls run in-process (no ``sync`` start-up), and
the push batch is ingested without the evaluation after it. ``bench/daily.py`` times what a
school runs every night (``sync --as-of D``: pull, ingest, evaluation), ``bench/eduarte_daily.py``
Eduarte's daily sync.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import structlog

from adapters.eduarte import create_source as eduarte_source
from adapters.eduarte.sandbox import start_sandbox as start_eduarte
from adapters.magister import create_source as magister_source
from adapters.magister.sandbox import start_sandbox as start_magister
from gateway import pipeline
from gateway.api.app import ApiSettings, create_app
from gateway.api.keys import create_api_key
from gateway.api.server import serve_in_thread
from gateway.config.school import SchoolConfig
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from gateway.testing.synthetic import generate_school


def median_seconds(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    """Run every measurement and print one line per figure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))

    seconds, school = median_seconds(lambda: generate_school(size=args.size), args.runs)
    n = len(school.records_as_of(school.end))
    print(f"synthetic school: {args.size} students, {n} lessons in 8 weeks: {seconds:.2f} s")

    with start_magister(school) as running:
        def pull() -> Any:
            source = magister_source(running.sandbox.adapter_config(running.url))
            batch = source.fetch(None)
            requests = source.client.requests
            source.close()
            return batch, requests
        seconds, (batch, requests) = median_seconds(pull, args.runs)
    print(f"magister full pull: {len(batch.records)} records, {requests} requests: {seconds:.2f} s "
          f"({len(batch.records) / seconds:,.0f} records/s)")

    # The daily pull: one new school day after a pull of the day before (lessons of the new day,
    # absences of the rolling window). bench/daily.py times it through sync on a year's store.
    days = sorted({x.date for x in school.lessons})
    before, day = days[-2], days[-1]
    with start_magister(school, today=before) as running:
        first = magister_source(running.sandbox.adapter_config(running.url, today=before.isoformat()))
        cursor = first.fetch(None).cursor
        first.close()
        running.sandbox.today = day
        daily_times = []
        for _ in range(args.runs):
            source = magister_source(running.sandbox.adapter_config(running.url, today=day.isoformat()))
            start = time.perf_counter()
            batch = source.fetch(cursor)
            daily_times.append(time.perf_counter() - start)
            requests = source.client.requests
            source.close()
    print(f"magister daily pull ({day}): {len(batch.records)} records, {requests} requests: "
          f"{statistics.median(daily_times):.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "drop"
        with start_eduarte(folder, school) as eduarte:
            seconds_w, _ = median_seconds(eduarte.sandbox.write_snapshot, args.runs)
            config = eduarte.sandbox.adapter_config()
            seconds, batch = median_seconds(lambda: eduarte_source(config).fetch(None), args.runs)
        print(f"eduarte snapshot write: {seconds_w:.2f} s; read+join: {len(batch.records)} records: "
              f"{seconds:.2f} s ({len(batch.records) / seconds:,.0f} records/s)")

        school_cfg = SchoolConfig(id="99XX00", brin="99XX", oin="00000009999999990000", name="Bench")
        records = [r.model_dump(mode="json") for r in school.records_as_of(school.end)][:10_000]
        # Each synthetic student carries an onderwijsnummer (the push API asks one of a reportable pupil).
        students = [s.model_dump(mode="json") for s in school.students]
        times = []
        for run in range(args.runs):
            url = f"sqlite:///{Path(tmp) / f'bench{run}.db'}"
            store = Store.open(url, FieldCipher({"k": bytes(32)}, "k"))
            store.migrate()
            pipeline.register_school(store, school_cfg, "bench")
            _, key = create_api_key(store, school_cfg.id, actor="bench")
            settings = ApiSettings(max_body_bytes=64 * 1024 * 1024, evaluate_on_push=False)
            app = create_app(settings, store)
            headers = {"Authorization": f"Bearer {key}"}
            with serve_in_thread(app) as handle, httpx.Client(base_url=handle.url, timeout=120) as client:
                base = f"/api/v1/schools/{school_cfg.id}"
                client.put(f"{base}/calendar", json=school.calendar.model_dump(mode="json"), headers=headers)
                client.post(f"{base}/students", json={"students": students}, headers=headers)
                start = time.perf_counter()
                response = client.post(f"{base}/attendance", json={"records": records}, headers=headers)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
            store.close()
        seconds = statistics.median(times)
        print(f"push API: one batch of {len(records)} records (SQLite, no evaluation): {seconds:.2f} s "
              f"({len(records) / seconds:,.0f} records/s)")


if __name__ == "__main__":
    main()
