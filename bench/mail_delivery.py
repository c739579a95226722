"""Mail channel throughput: compose (sign + encrypt) and full delivery over SMTP/STARTTLS.

Prints medians of several runs. Uses a run-time PKI and the in-process SMTP sandbox on loopback.

What it leaves out: the store and the worker. It times the mail channel alone (compose, then
deliver over SMTP); the worker's claiming, outcome recording and audit are timed by
``bench/worker.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.mail import create_channel
from adapters.mail.compose import MailContent, Signer, compose
from adapters.mail.sandbox import running_sandbox
from gateway.testing.pki import demo_pki, issue_server_cert
from tests.mail.helpers import make_melding, recipient

RUNS = 5
MELDINGEN = 20


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    """Run the benchmark and print its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pki = demo_pki(root / "pki")
        cert, key = issue_server_cert(pki.ca, ("127.0.0.1",)).write(root / "pki", "smtp")
        school = pki.objects["school-smime"]
        signer = Signer("verzuim@school.example", school.certificate, school.key)
        melding = make_melding((
            recipient("Leerplicht", "leerplicht@gemeente.example", pki.receivers["leerplicht"].cert),
            recipient("Doorstroompunt", "dsp@regio.example", pki.receivers["dsp"].cert),
        ))
        compose_runs = []
        for _ in range(RUNS):
            start = time.perf_counter()
            for _ in range(MELDINGEN):
                compose(MailContent(melding, pki.duo_oin, datetime.now(UTC)), signer,
                        extra_certificates=[school.certificate])
            compose_runs.append((time.perf_counter() - start) / MELDINGEN)

        deliver_runs = []
        with running_sandbox(root / "maildir", cert, key) as sandbox:
            channel = create_channel({
                "smtp_port": sandbox.port, "ca_file": str(pki.ca_cert), "sender": "verzuim@school.example",
                "signing_cert": str(pki.school_smime.cert), "signing_key": str(pki.school_smime.key),
                "duo_oin": pki.duo_oin,
            })
            for _ in range(RUNS):
                start = time.perf_counter()
                for _ in range(MELDINGEN):
                    channel.deliver(melding)
                deliver_runs.append((time.perf_counter() - start) / MELDINGEN)
        size = len(compose(MailContent(melding, pki.duo_oin, datetime.now(UTC)), signer).data)
    print(f"mail compose (sign + AES-256 encrypt, 2 recipients + archive): "
          f"median {_median_ms(compose_runs):.1f} ms per melding ({RUNS} runs x {MELDINGEN})")
    print(f"mail deliver (compose + SMTP STARTTLS to loopback sandbox, new connection each): "
          f"median {_median_ms(deliver_runs):.1f} ms per melding ({RUNS} runs x {MELDINGEN})")
    print(f"mail size: {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
