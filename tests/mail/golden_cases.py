"""The meldingen whose mail text and attachments are pinned byte for byte in ``tests/mail/golden``.

A change to what a mail says is a change receivers see: it updates these files on purpose. After
such a change, rewrite them with ``.venv/bin/python -m tests.mail.golden_cases`` and read the diff.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from adapters.mail import body, structured
from gateway.domain.ports import OutgoingMelding
from gateway.testing.pki import DEMO_DUO_OIN
from tests.mail.helpers import make_signal
from tests.mail.kinds import CREATED_AT, no_show, rmc_4w, uitschrijving, verzuim_16u

GOLDEN = Path(__file__).parent / "golden"
WRITTEN_AT = datetime(2026, 9, 23, 8, 15, 30, tzinfo=UTC)


def golden_cases() -> dict[str, tuple[OutgoingMelding, str | None]]:
    """A 16-hour melding, an open-ended LRV one, one by onderwijsnummer, a withdrawal, an RMC
    melding with concerns, a no-show with contact attempts and an uitschrijving."""
    base = verzuim_16u()
    lrv = replace(base, signal=make_signal(rule="lrv", period_end=None, hours=None), created_at=CREATED_AT)
    lrv = replace(lrv, message_id=lrv.signal.message_id)
    by_onderwijsnummer = replace(base, student=replace(
        base.student, bsn=None, onderwijsnummer="101234564", family_name=None, street=None,
        house_number=None, postcode=None, city=None, leerweg="VO", niveau=None))
    return {"melding": (base, None), "lrv": (lrv, None), "onderwijsnummer": (by_onderwijsnummer, None),
            "intrekking": (base, "correctie na ziekmelding"), "rmc-4w": (rmc_4w(), None),
            "no-show": (no_show(), None), "uitschrijving": (uitschrijving(), None)}


def text(melding: OutgoingMelding, reason: str | None) -> bytes:
    """The mail's Dutch text, UTF-8."""
    written = body.melding_text(melding) if reason is None else body.withdrawal_text(melding, reason)
    return written.encode("utf-8")


def xml(melding: OutgoingMelding, reason: str | None) -> bytes:
    """melding.xml as the mail carries it, written at ``WRITTEN_AT``."""
    return structured.to_xml(melding, duo_oin=DEMO_DUO_OIN, withdrawal_reason=reason, now=WRITTEN_AT)


def write() -> None:
    """Rewrite every golden file from the code as it is now."""
    for case, (melding, reason) in golden_cases().items():
        (GOLDEN / f"{case}.txt").write_bytes(text(melding, reason))
        (GOLDEN / f"{case}.json").write_bytes(structured.to_json(melding, withdrawal_reason=reason))
        (GOLDEN / f"{case}.xml").write_bytes(xml(melding, reason))


if __name__ == "__main__":
    write()
