"""The demo's outside world on loopback: the PKI, the DUO and SMTP stand-ins, the SIS stand-ins.

Everything binds to 127.0.0.1 on a free port and stops when the ``ExitStack`` closes.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from adapters.duo.standin import RunningStandin, StandinConfig, start_standin
from adapters.eduarte.sandbox import RunningSandbox as EduarteRunning
from adapters.eduarte.sandbox import start_sandbox as start_eduarte
from adapters.magister.sandbox import RunningSandbox as MagisterRunning
from adapters.magister.sandbox import start_sandbox as start_magister
from adapters.mail.demo_certs import write_directory_certificates
from adapters.mail.sandbox import SandboxSmtp
from adapters.mail.sandbox import start_sandbox as start_smtp
from demo.college import Location
from gateway.domain.calendar import AMSTERDAM
from gateway.testing.pki import DemoPki, PemFiles, demo_pki, issue_server_cert, issue_smime_cert
from gateway.testing.synthetic import SyntheticSchool


def school_email(location: Location) -> str:
    """The school's verzuim mailbox (sender of its mail meldingen)."""
    return f"verzuim@{location.brin.lower()}.school.example"


# How DUO's statuses move on by the stand-in's clock: a day after registration a melding is In
# behandeling, three days after it Afgesloten (with the Besluit's reden and toelichting codes).
DUO_IN_BEHANDELING_AFTER = timedelta(days=1)
DUO_AFGESLOTEN_AFTER = timedelta(days=3)


@dataclass
class WallClock:
    """The demo's wall clock: real time, moved on by the demo (``advance``) to let days pass. The DUO
    stand-in, the status poll and the receivers' deadlines read it; receipts of mail carry real time,
    so the deadlines count from the same clock. (The school-year dates are ``demo.api.Clock``.)"""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        """Now on the demo's wall clock (aware, UTC)."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Let ``delta`` pass."""
        self.offset += delta

    def today(self) -> date:
        """Today in Amsterdam on the demo's wall clock."""
        return self().astimezone(AMSTERDAM).date()


@dataclass
class Pki:
    """The demo PKI: the gateway's and DUO's TLS, each school's S/MIME, each receiving desk's."""

    base: DemoPki
    schools: dict[str, PemFiles]  # location key -> the school's S/MIME certificate and key
    desks: dict[str, PemFiles]  # directory label (leerplicht:0400, rmc:utrecht, ...) -> files
    recipients_dir: Path
    smtp_server: PemFiles


def make_pki(directory: Path, locations: tuple[Location, ...]) -> Pki:
    """Generate every certificate and key the demo needs into ``directory`` (keys 0600)."""
    base = demo_pki(directory)
    schools = {}
    for location in locations:
        pair = issue_smime_cert(base.ca, school_email(location), location.name)
        cert, key = pair.write(directory, f"school-{location.key}-smime")
        schools[location.key] = PemFiles(cert, key)
    recipients_dir = directory / "recipients"
    desks = write_directory_certificates(base.ca, recipients_dir)
    smtp_server = issue_server_cert(base.ca, ("localhost", "127.0.0.1"))
    smtp_cert, smtp_key = smtp_server.write(directory, "smtp-server")
    return Pki(base, schools, desks, recipients_dir, PemFiles(smtp_cert, smtp_key))


@dataclass
class Services:
    """The running stand-ins, with their handles; their files live under ``sandbox_dir``."""

    pki: Pki
    duo: RunningStandin
    smtp: SandboxSmtp
    sandbox_dir: Path
    wall: WallClock
    magister: dict[str, MagisterRunning] = field(default_factory=dict)
    eduarte: dict[str, EduarteRunning] = field(default_factory=dict)

    def calendar_file(self, location: Location) -> Path:
        """Where the location's school calendar is written for its Magister adapter to read."""
        return self.sandbox_dir / f"kalender-{location.key}.json"


def start_services(stack: ExitStack, workdir: Path, pki: Pki) -> Services:
    """Start the DUO stand-in (mutual TLS, saving each request in ``workdir/duo``, statuses moving on
    by the demo's wall clock) and the SMTP one."""
    wall = WallClock()
    duo = start_standin(StandinConfig(
        server_cert=pki.base.duo_server.cert, server_key=pki.base.duo_server.key, ca=pki.base.ca_cert,
        duo_oin=pki.base.duo_oin, gateway_oins=frozenset({pki.base.gateway_oin}),
        save_dir=workdir / "duo" / "envelopes",  # raw requests; the demo extracts each Body
        in_behandeling_after=DUO_IN_BEHANDELING_AFTER, afgesloten_after=DUO_AFGESLOTEN_AFTER),
        clock=wall)
    stack.callback(duo.stop)
    sandbox_dir = workdir / ".sandbox"
    smtp = start_smtp(sandbox_dir / "maildir", pki.smtp_server.cert, pki.smtp_server.key)
    stack.callback(smtp.stop)
    return Services(pki=pki, duo=duo, smtp=smtp, sandbox_dir=sandbox_dir, wall=wall)


def start_sis(stack: ExitStack, services: Services, location: Location, school: SyntheticSchool,
              today: date) -> None:
    """Start the location's SIS stand-in (Magister over HTTP, or an Eduarte drop folder)."""
    if location.sis == "magister":
        running = start_magister(school, today=today)
        stack.callback(running.stop)
        services.magister[location.key] = running
    else:
        folder = services.sandbox_dir / f"eduarte-{location.key}"
        eduarte = start_eduarte(folder, school, today=today)
        stack.callback(eduarte.stop)
        services.eduarte[location.key] = eduarte


def advance_sis(services: Services, location: Location, today: date) -> None:
    """Move the location's SIS clock: new lessons and the corrections registered since."""
    if location.sis == "magister":
        services.magister[location.key].sandbox.today = today
    else:
        sandbox = services.eduarte[location.key].sandbox
        sandbox.today = today
        sandbox.write_snapshot()
