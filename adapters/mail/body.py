"""The readable Dutch text of a melding mail: who, what, period and hours, rule and basis, deadline."""

from __future__ import annotations

from datetime import date

from gateway.domain.ports import OutgoingMelding

RULE_TITLES: dict[str, str] = {
    "verzuim-16u": "16 uur ongeoorloofd verzuim binnen 4 lesweken",
    "herhaalmelding": "Herhaalmelding: opnieuw 16 uur ongeoorloofd verzuim",
    "lrv": "Langdurig relatief verzuim (4 aaneengesloten lesweken afwezig)",
    "rmc-4w": "4 aaneengesloten lesweken afwezig (18 jaar of ouder, RMC)",
    "luxe-verzuim": "Luxe verzuim (vakantie zonder toestemming)",
    "no-show": "No-show: ingeschreven maar niet verschenen",
    "te-laat": "Vaak te laat binnen 4 lesweken",
    "ziek-zonder-verklaring": "4 lesweken ziek gemeld zonder doktersverklaring",
    "sf-4w-contact": "4 lesweken afwezig (studiefinanciering): contact opnemen",
    "sf-8w-ma": "8 lesweken afwezig (studiefinanciering): melding DUO",
}

RECIPIENT_NAMES: dict[str, str] = {
    "leerplicht": "Leerplicht",
    "rmc": "RMC",
    "dsp": "Doorstroompunt",
    "duo-ib": "DUO",
    "school": "school",
}

CONCERN_TEXT: dict[str, str] = {
    "problemen_buiten_school": "problemen buiten school",
    "startkwalificatie_in_gevaar": "startkwalificatie in gevaar",
    "dreigende_uitval": "dreigende uitval",
}

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def datum(day: date | None) -> str:
    """A date written out in Dutch (``1 september 2026``)."""
    if day is None:
        return "open"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def rule_title(rule: str) -> str:
    """A readable Dutch title for a rule id (the id itself when unknown)."""
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


def _yes_no(value: bool | None) -> str:
    return "ja" if value else ("nee" if value is not None else "niet aangegeven")


def _lines(pairs: list[tuple[str, str | None]]) -> list[str]:
    return [f"  {label + ':':<24} {value}" for label, value in pairs if value]


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
    return ["Leerling", *_lines([
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
    return ["Contactpersoon school", *_lines([
        ("School", f"{school.name} (BRIN {school.brin})"),
        ("Locatie", school.location),
        ("Naam", school.contact_name),
        ("E-mail", school.contact_email),
        ("Telefoon", school.contact_phone),
    ])]


def melding_text(melding: OutgoingMelding) -> str:
    """The Dutch body of a melding mail."""
    sig = melding.signal
    content = melding.content
    actie = content.actie_gewenst if content.actie_gewenst is not None else sig.actie_gewenst
    lines = [
        f"Geachte {_addressee(melding)},",
        "",
        f"{melding.school.name} meldt het volgende verzuim: {rule_title(sig.rule)}.",
        "",
        "Melding",
        *_lines([
            ("Soort", rule_title(sig.rule)),
            ("Regel", sig.rule),
            ("Wettelijke grondslag", sig.legal_basis),
            ("Periode", f"{datum(sig.period_start)} t/m {datum(sig.period_end)}"),
            ("Ongeoorloofde uren", f"{sig.hours:.2f}".replace(".", ",") if sig.hours is not None else None),
            ("Datum vastgesteld", datum(sig.trigger_date)),
            ("Uiterste melddatum", datum(sig.due_date) if sig.due_date else None),
            ("Actie gewenst", _yes_no(actie)),
            ("Kenmerk", melding.message_id),
        ]),
        "",
        *_student_block(melding),
        "",
    ]
    if content.toelichting:
        lines += ["Toelichting school", f"  {content.toelichting}", ""]
    if content.concerns:
        concerns = ", ".join(CONCERN_TEXT.get(c, c) for c in sorted(content.concerns))
        lines += ["Zorgen", f"  {concerns}", ""]
    if content.actions_taken:
        lines += ["Ondernomen acties", *(f"  - {action}" for action in content.actions_taken), ""]
    if sig.explanation:
        lines += ["Hoe de regel is vastgesteld", f"  {sig.explanation}", ""]
    lines += [
        *_school_block(melding),
        "",
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
        *_lines([
            ("Soort", rule_title(sig.rule)),
            ("Periode", f"{datum(sig.period_start)} t/m {datum(sig.period_end)}"),
            ("Reden van intrekking", reason),
        ]),
        "",
        *_student_block(melding),
        "",
        *_school_block(melding),
        "",
    ]
    return "\n".join(lines)
