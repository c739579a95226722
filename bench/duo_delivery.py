"""Benchmark: meldingen per second delivered to the DUO stand-in over mutual TLS.

Runs the stand-in in a separate process, then measures (median of several runs):
  1. the DUO channel (zeep, addressing, XSD validation, WS-Security signing, response
     verification) over pooled keep-alive connections, with a few worker threads;
  2. bare HTTPS POSTs (httpx, same TLS settings, same threads) of the very same envelopes, to a
     fresh stand-in doing the same checks and answers.
The envelopes come from an untimed capture run of the same meldingen to a stand-in that saves
what it receives; neither timed run writes files (that is the bench's bookkeeping, not delivery).
Both use the same number of client threads and pooled keep-alive connections; each prints how
many TLS connections (handshakes) the stand-in saw, which should equal the thread count, not
the number of meldingen.
  3. one worker (``gateway.delivery.worker.Worker``, the loop ``verzuim-gateway worker`` runs, in
     this process) delivering N meldingen from a store (SQLite, a fresh file per run) through the
     outbox and the DUO channel loaded from the entry points: claim a batch, send it with 1 and
     with ``CONCURRENCY`` requests in flight, record the batch. This is the rate per worker
     process; every melding must end ``ontvangen``, registered once (a second send would be
     refused by the stand-in and end as a dead letter).
Left out of 3: the command's settings and start-up, and making the meldingen (ingest and
evaluation; they are made with the store tests' builder, untimed).
Prints the rates, the ratio of 1 to 2, the CPU time per melding on each side (client: this
process's ``time.process_time``; stand-in: its own, from ``/_admin/stats``), the load average,
and whether the targets (>= 200/s, ratio >= 0.5; >= 200/s per worker process) are met.
Usage: .venv/bin/python bench/duo_delivery.py [N] [RUNS] [THREADS]
(THREADS is also the worker's concurrency in 3.)
(DUO_STANDIN_WORKERS=n sets the stand-in's worker threads, default 2.)
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.duo.channel import DuoChannel, DuoConfig  # noqa: E402
from adapters.duo.client import tls_context  # noqa: E402
from adapters.duo.xmlsafe import ACTIONS  # noqa: E402
from gateway.cli.worker import DEFAULT_BATCH, DEFAULT_CONCURRENCY  # noqa: E402
from gateway.config.school import SchoolConfig  # noqa: E402
from gateway.delivery.worker import Worker, plugin_channels  # noqa: E402
from gateway.store import Store, audit, count_by_status  # noqa: E402
from gateway.store.crypto import FieldCipher  # noqa: E402
from gateway.testing.pki import DemoPki, demo_pki  # noqa: E402
from tests.channel_settings import duo_table  # noqa: E402
from tests.duo.helpers import melding  # noqa: E402
from tests.store.helpers import SCHOOL, make_meldingen  # noqa: E402

THREADS = DEFAULT_CONCURRENCY
TARGET_RATE = 200
TARGET_RATIO = 0.5
STANDIN_WORKERS = int(os.environ.get("DUO_STANDIN_WORKERS", "2"))

SERVER = """
import sys
from pathlib import Path
from datetime import timedelta
sys.path.insert(0, {root!r})
from adapters.duo.standin import StandinConfig, start_standin
d = Path({pki!r})
cfg = StandinConfig(d / "duo-server.crt", d / "duo-server.key", d / "ca.crt", {oin!r},
                    gateway_oins=frozenset([{gateway!r}]),
                    save_dir=Path({save!r}) if {save!r} else None, status_step=None,
                    workers={workers!r})
running = start_standin(cfg)
print(running.url, flush=True)
sys.stdin.read()
running.stop()
"""


def start_server(pki: DemoPki, save: Path | None) -> tuple[subprocess.Popen[str], str]:
    code = SERVER.format(root=str(ROOT), pki=str(pki.directory), oin=pki.duo_oin,
                         gateway=pki.gateway_oin, save=str(save) if save else "",
                         workers=STANDIN_WORKERS)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stop_server(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=15)


@dataclass
class Run:
    """One timed run: its rate, the stand-in's TLS connections, CPU ms per melding per side."""

    rate: float
    handshakes: int
    client_ms: float
    standin_ms: float


def standin_stats(pki: DemoPki, url: str) -> dict[str, Any]:
    """The stand-in's counters: TLS connections (each a full handshake) and its CPU seconds."""
    ctx = tls_context(pki.ca_cert, pki.gateway_client.cert, pki.gateway_client.key)
    admin = url.split("/verzuimloket", maxsplit=1)[0] + "/_admin/stats"
    with httpx.Client(verify=ctx, timeout=10) as http:
        # This request's own connection is not counted: the stand-in counts SOAP POSTs only.
        return dict(http.get(admin).json())


def timed(pki: DemoPki, url: str, n: int, work: Callable[[], None]) -> Run:
    """Run ``work`` (n meldingen) and measure its rate and both sides' CPU per melding."""
    server_before = standin_stats(pki, url)["cpu_seconds"]
    cpu_before = time.process_time()
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - cpu_before
    after = standin_stats(pki, url)
    return Run(n / elapsed, int(after["connections"]), 1000 * client_cpu / n,
               1000 * (after["cpu_seconds"] - server_before) / n)


def run_channel(pki: DemoPki, n: int, run: int, save: Path | None, threads: int) -> Run:
    proc, url = start_server(pki, save)
    channel = DuoChannel(DuoConfig(url, pki.duo_oin, pki.gateway_client.cert,
                                   pki.gateway_client.key, pki.ca_cert))
    items = [melding(student_id=f"R{run}S{i}") for i in range(n)]
    try:
        channel.deliver(melding(student_id=f"warmup{run}"))  # connection + zeep warm-up

        def deliver_all() -> None:
            with ThreadPoolExecutor(threads) as pool:
                receipts = list(pool.map(channel.deliver, items))
            assert len({r.receiver_reference for r in receipts}) == n

        return timed(pki, url, n, deliver_all)
    finally:
        channel.close()
        stop_server(proc)


def run_bare(pki: DemoPki, bodies: list[bytes], threads: int) -> Run:
    proc, url = start_server(pki, None)
    ctx = tls_context(pki.ca_cert, pki.gateway_client.cert, pki.gateway_client.key)
    transport = httpx.HTTPTransport(
        verify=ctx, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        limits=httpx.Limits(max_connections=10, max_keepalive_connections=10))
    headers = {"Content-Type": "text/xml; charset=utf-8",
               "SOAPAction": f'"{ACTIONS["MeldenVerzuim"]}"'}
    try:
        with httpx.Client(transport=transport, timeout=30) as http:
            http.post(url, content=bodies[0], headers=headers)  # warm-up

            def post_all() -> None:
                with ThreadPoolExecutor(threads) as pool:
                    statuses = list(pool.map(
                        lambda body: http.post(url, content=body, headers=headers).status_code,
                        bodies[1:]))
                if set(statuses) != {200}:
                    detail = http.post(url, content=bodies[1], headers=headers).text[:600]
                    raise AssertionError(f"bare POSTs failed: {set(statuses)} {detail}")

            return timed(pki, url, len(bodies) - 1, post_all)
    finally:
        stop_server(proc)


def run_worker(pki: DemoPki, n: int, run: int, concurrency: int, folder: Path) -> Run:
    """One worker delivering ``n`` meldingen from a fresh SQLite store to a fresh stand-in."""
    proc, url = start_server(pki, None)
    store = Store.open(f"sqlite:///{folder / f'worker{run}-{concurrency}.db'}",
                       FieldCipher({"k1": b"k" * 32}, "k1"))
    school = SchoolConfig(**{**SCHOOL.model_dump(), "channels": {"duo": duo_table(pki, url)}})
    worker = Worker(store, plugin_channels(), worker_id="bench", batch=DEFAULT_BATCH,
                    concurrency=concurrency)
    try:
        store.migrate()
        make_meldingen(store, *(f"W{run}C{concurrency}S{i:05d}" for i in range(n)), school=school)
        worker.channels(school, "duo").deliver(melding(student_id=f"warmup{run}"))  # zeep warm-up

        def deliver_all() -> None:
            while worker.run_round():
                pass

        result = timed(pki, url, n, deliver_all)
        assert count_by_status(store) == {"ontvangen": n}, count_by_status(store)
        assert audit.verify(store).ok
        return result
    finally:
        worker.close()
        store.close()
        stop_server(proc)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else THREADS
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        pki = demo_pki(Path(tmp) / "pki")
        channel_runs: list[Run] = []
        bare_runs: list[Run] = []
        worker_runs: dict[int, list[Run]] = {1: [], threads: []}
        for run in range(runs):
            save = Path(tmp) / f"saved{run}"
            run_channel(pki, n, run, save, threads)  # capture the envelopes (not timed)
            bodies = [p.read_bytes() for p in sorted(save.glob("*-MeldenVerzuim.xml"))]
            channel_runs.append(run_channel(pki, n, run, None, threads))
            bare_runs.append(run_bare(pki, bodies, threads))
            for concurrency, kept in worker_runs.items():
                kept.append(run_worker(pki, n, run, concurrency, Path(tmp)))
    channel_rate = statistics.median(r.rate for r in channel_runs)
    bare_rate = statistics.median(r.rate for r in bare_runs)
    ratio = channel_rate / bare_rate
    handshakes = [r.handshakes for pair in zip(channel_runs, bare_runs, strict=True)
                  for r in pair]
    load_after = os.getloadavg()
    print(f"meldingen per run: {n}, runs: {runs}, client threads: {threads}, "
          f"cores: {os.cpu_count()}, stand-in workers: {STANDIN_WORKERS}")
    print(f"DUO channel (zeep+WS-Security, mTLS, keep-alive): {channel_rate:7.1f} meldingen/s "
          f"(runs: {', '.join(f'{r.rate:.1f}' for r in channel_runs)})")
    print(f"bare HTTPS POST of the same envelopes:           {bare_rate:7.1f} POSTs/s "
          f"(runs: {', '.join(f'{r.rate:.1f}' for r in bare_runs)})")
    print(f"ratio channel/bare: {ratio:.2f}")
    for concurrency, kept in worker_runs.items():
        print(f"one worker process, store (SQLite) + outbox + DUO channel, {concurrency} in flight: "
              f"{statistics.median(r.rate for r in kept):7.1f} meldingen/s per worker "
              f"(runs: {', '.join(f'{r.rate:.1f}' for r in kept)}; client CPU "
              f"{statistics.median(r.client_ms for r in kept):.2f} ms per melding)")
    for label, kind in (("DUO channel", channel_runs), ("bare POST", bare_runs)):
        print(f"CPU per melding, {label:11}: client "
              f"{statistics.median(r.client_ms for r in kind):.2f} ms, stand-in "
              f"{statistics.median(r.standin_ms for r in kind):.2f} ms (medians)")
    print(f"TLS connections (handshakes) per run at the stand-in: {handshakes} "
          f"(warm-up included; at most {threads + 1} means reuse works)")
    print("load average before: {:.2f} {:.2f} {:.2f}, after: {:.2f} {:.2f} {:.2f}".format(
        *load_before, *load_after))
    met = channel_rate >= TARGET_RATE and ratio >= TARGET_RATIO
    print(f"targets (>= {TARGET_RATE}/s and ratio >= {TARGET_RATIO}): "
          f"{'met' if met else 'NOT met'}")
    per_worker = statistics.median(r.rate for r in worker_runs[threads])
    print(f"target per worker process ({threads} in flight, >= {TARGET_RATE}/s): "
          f"{'met' if per_worker >= TARGET_RATE else 'NOT met'}")


if __name__ == "__main__":
    main()
