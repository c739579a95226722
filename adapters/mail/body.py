"""The readable Dutch text of a melding mail: who, what, period, the melding's content as the law
asks it, the school's melder, and what the receiver is asked to do and how to report back."""

from __future__ import annotations

from adapters.mail.content_text import (
    besluit_block,
    concerns_block,
    melder_block,
    no_show_block,
    uitschrijving_block,
)
from adapters.mail.dutch import capital, datum, rows
from adapters.mail.report_back import request_paragraph
from gateway.domain.ports import OutgoingMelding
from gateway.domain.soort_verzuim import MANUAL_TITLES, UITSCHRIJVING, UITSCHRIJVING_TITLE
from gateway.rules.catalogue import RULE_TITLES as CATALOGUE_TITLES

__all__ = ["datum", "melding_text", "rule_title", "subject", "withdrawal_text"]

# The catalogue's titles (one owner), with the meldingen no rule makes.
RULE_TITLES: dict[str, str] = {
    **{rule: capital(title) for rule, title in CATALOGUE_TITLES.items()},
    UITSCHRIJVING: capital(UITSCHRIJVING_TITLE),
    **{kind: capital(title) for kind, title in MANUAL_TITLES.items()},
}

RECIPIENT_NAMES: dict[str, str] = {
    "leerplicht": "Leerplicht",
    "rmc": "RMC",
    "dsp": "Doorstroompunt",
    "duo-ib": "DUO",
    "school": "school",
}


def rule_title(rule: str) -> str:
    """A readable Dutch title for a melding kind (the id itself when unknown)."""
    return RULE_TITLES.get(rule, rule)


def subject(melding: OutgoingMelding, *, withdrawal: bool = False) -> str:
    """The subject line: no personal data (subjects are not encrypted)."""
    prefix = "Intrekking verzuimmelding" if withdrawal else "Verzuimmelding"
    title = rule_title(melding.signal.rule)
    return f"{prefix} {title} - {melding.school.name} - kenmerk {melding.message_id}"


def _addressee(melding: OutgoingMelding) -> str:
    names = [r.organisation for r in melding.recipients]
    recipient = melding.signal.recipient
    return " en ".join(names) if names else RECIPIENT_NAMES.get(recipient, recipient)


def _student_block(melding: OutgoingMelding) -> list[str]:
    s = melding.student
    name = " ".join(part for part in (s.given_names, s.family_name) if part) or None
    address = " ".join(part for part in (s.street, s.house_number) if part)
    place = " ".join(part for part in (s.postcode, s.city) if part)
    opleiding = s.opleiding
    if s.crebo:
        opleiding = f"{opleiding or 'opleiding'} (crebo {s.crebo})"
    niveau = f"niveau {s.niveau}" if s.niveau else None
    leerjaar = f"leerjaar {s.leerjaar}" if s.leerjaar else None
    study = ", ".join(part for part in (s.leerweg, niveau, leerjaar) if part)
    return ["Leerling", *rows([
        ("Naam", name),
        ("Geboortedatum", datum(s.birth_date)),
        ("BSN", s.bsn),
        ("Onderwijsnummer", s.onderwijsnummer),
        ("Adres", ", ".join(part for part in (address, place) if part) or None),
        ("Woongemeente (CBS)", s.woongemeente),
        ("Opleiding", opleiding),
        ("Leerweg", study or None),
        ("Leerlingnummer school", s.student_id),
    ])]


def _school_block(melding: OutgoingMelding) -> list[str]:
    school = melding.school
    return ["School", *rows([
        ("School", f"{school.name} (BRIN {school.brin})"),
        ("Locatie", school.location),
    ])]


def _melding_block(melding: OutgoingMelding) -> list[str]:
    sig = melding.signal
    period = None if sig.rule == UITSCHRIJVING else f"{datum(sig.period_start)} t/m {datum(sig.period_end)}"
    return ["Melding", *rows([
        ("Soort", rule_title(sig.rule)),
        ("Regel", sig.rule),
        ("Wettelijke grondslag", sig.legal_basis),
        ("Periode", period),
        ("Datum vastgesteld", datum(sig.trigger_date)),
        ("Uiterste melddatum", datum(sig.due_date) if sig.due_date else None),
        ("Kenmerk", melding.message_id),
    ])]


def _paragraph(block: list[str]) -> list[str]:
    return [*block, ""] if block else []


def melding_text(melding: OutgoingMelding) -> str:
    """The Dutch body of a melding mail."""
    sig = melding.signal
    lines = [
        f"Geachte {_addressee(melding)},",
        "",
        f"{melding.school.name} meldt: {capital(rule_title(sig.rule))}.",
        "",
        *_paragraph(_melding_block(melding)),
        *_paragraph(_student_block(melding)),
        *_paragraph(besluit_block(melding)),
        *_paragraph(concerns_block(melding)),
        *_paragraph(no_show_block(melding)),
        *_paragraph(uitschrijving_block(melding)),
    ]
    if sig.explanation:
        lines += ["Hoe de regel is vastgesteld", f"  {sig.explanation}", ""]
    lines += [
        *_paragraph(melder_block(melding.content.melder)),
        *_paragraph(_school_block(melding)),
        *_paragraph(request_paragraph(melding)),
        "De gestructureerde melding zit als bijlage bij dit bericht (melding.json en melding.xml).",
        "Dit bericht is ondertekend door de school en versleuteld voor de ontvanger.",
        f"Beslist met regelprofiel {sig.profile or 'onbekend'} {sig.profile_version}".rstrip() + ".",
        "",
    ]
    return "\n".join(lines)


def withdrawal_text(melding: OutgoingMelding, reason: str) -> str:
    """The Dutch body of a withdrawal (Intrekking) mail."""
    sig = melding.signal
    lines = [
        f"Geachte {_addressee(melding)},",
        "",
        f"{melding.school.name} trekt de eerder verstuurde verzuimmelding met kenmerk "
        f"{melding.message_id} in (status: Ingetrokken).",
        "",
        "Ingetrokken melding",
        *rows([
            ("Soort", rule_title(sig.rule)),
            ("Periode", f"{datum(sig.period_start)} t/m {datum(sig.period_end)}"),
            ("Reden van intrekking", reason),
        ]),
        "",
        *_paragraph(_student_block(melding)),
        *_paragraph(melder_block(melding.content.melder)),
        *_paragraph(_school_block(melding)),
    ]
    return "\n".join(lines)
