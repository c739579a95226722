"""The one paragraph of a melding mail that says what the receiver is asked to do and how to report
back: through the receivers' feedback API, or by answering the mail quoting the kenmerk."""

from __future__ import annotations

from gateway.domain.ports import OutgoingMelding
from gateway.domain.receiver_status import BESLUIT_STATUSES, DSP_OUTCOMES
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN, UITSCHRIJVING

# The receivers' feedback endpoint (gateway/console/feedback.py); a test holds the two together.
FEEDBACK_PATH = "/api/v1/feedback"
# The outcomes that endpoint takes from a Doorstroompunt, and from Leerplicht or the RMC (one owner:
# gateway.domain.receiver_status), and what each needs besides.
DSP_STATUSES = DSP_OUTCOMES
GEMEENTE_STATUSES = BESLUIT_STATUSES
NEEDS = {"dsp": "bij een gestarte student ook started_on, de datum waarop die begon",
         "gemeente": "bij Afgesloten ook de reden en de toelichting van de afsluiting"}


def _ask(melding: OutgoingMelding) -> str:
    signal, content = melding.signal, melding.content
    if signal.rule == UITSCHRIJVING:
        return "neem kennis van de uitschrijving en ga na of de jongere elders onderwijs volgt"
    if signal.rule in NO_SHOW_MELDINGEN:
        return "neem contact op met de jongere en laat weten of die met een opleiding is gestart"
    if content.actie_gewenst is None:
        return "of de school actie van u vraagt, is niet ingevuld; neem daarover contact op met de melder"
    ask = ("onderneem actie richting de leerling (zie de toelichting bij actie gewenst)"
           if content.actie_gewenst else
           "geen actie richting de leerling; neem de melding ter kennisgeving aan")
    if content.asked_of_rmc:
        ask += "; zie ook wat de school van het RMC vraagt"
    return ask


def _statuses(melding: OutgoingMelding) -> tuple[tuple[str, ...], str]:
    if melding.signal.recipient == "dsp":
        return DSP_STATUSES, NEEDS["dsp"]
    return GEMEENTE_STATUSES, NEEDS["gemeente"]


def request_paragraph(melding: OutgoingMelding) -> list[str]:
    """The paragraph asking the receiver to act and to report the outcome back (one line: a mail
    reader wraps it, and the kenmerk and the API path stay whole for copying)."""
    kenmerk = melding.message_id
    (*first, last), needs = _statuses(melding)
    statuses = f"{', '.join(first)} of {last}"
    text = (f"Wat wij van u vragen: {_ask(melding)}. Laat ons de uitkomst weten via de terugkoppel-API "
            f"van de verzuimgateway van de school (POST {FEEDBACK_PATH} met melding_id {kenmerk} en als "
            f"status {statuses}; {needs}), of beantwoord dit bericht en vermeld daarin kenmerk {kenmerk}.")
    return [text]
