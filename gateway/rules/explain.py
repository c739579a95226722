"""Dutch explanations of signals, written for the verzuimcoördinator."""

from __future__ import annotations

from datetime import date

from gateway.rules.catalogue import Firing

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")

RECIPIENT_NAMES = {
    "leerplicht": "Leerplicht", "rmc": "het RMC", "dsp": "het Doorstroompunt",
    "duo-ib": "DUO (Informatie Beheer Groep)", "school": "de school",
}


def dutch_date(day: date) -> str:
    """2 oktober 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def dutch_number(value: float) -> str:
    """17,5 / 18 / 16,75: Dutch decimal comma, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def explain(
    firing: Firing, *, start: date, trigger: date, due: date | None, recipient: str,
    weeks: tuple[int, int], hours: float | None, reportable: bool,
) -> str:
    """One paragraph: what happened, in which period, which limit, what to do by when."""
    period = f"van {dutch_date(start)} tot en met {dutch_date(trigger)}"
    lesweken = (f"lesweek {weeks[0]}" if weeks[0] == weeks[1]
                else f"de lesweken {weeks[0]} tot en met {weeks[1]}")
    facts = firing.facts
    rule = firing.rule
    if rule in ("verzuim-16u", "herhaalmelding", "intern-10u"):
        limit = "meer dan" if facts.get("compare") == ">" else "ten minste"
        text = (f"{dutch_number(hours or 0)} uur ongeoorloofd verzuim in {lesweken} ({period}); "
                f"de grens is {limit} {dutch_number(float(str(facts['threshold'])))} uur in 4 lesweken.")
        if rule == "herhaalmelding":
            text += " Het verzuim gaat door na de vorige melding: herhaalmelding, actie gewenst ja."
        elif rule == "verzuim-16u":
            text += " Eerste melding in dit schooljaar: actie gewenst nee."
        else:
            text += " Intern signaal: bespreek het verzuim met de student."
    elif rule in ("lrv", "rmc-4w"):
        text = (f"{facts['lesweken']} aaneengesloten lesweken ({lesweken}) alleen ongeoorloofd "
                f"afwezig, sinds {dutch_date(start)}: "
                + ("langdurig relatief verzuim." if rule == "lrv" else "4 weken verzuim (18-23 jaar).")
                + " De melding blijft open tot de student weer op school komt.")
    elif rule == "luxe-verzuim":
        text = f"Ongeoorloofd afwezig wegens luxe verzuim op {dutch_date(trigger)} (vakantie zonder verlof)."
    elif rule == "no-show":
        n = int(str(facts["school_days"]))
        days = "de eerste schooldag" if n == 1 else f"de eerste {n} schooldagen"
        text = (f"Niet verschenen op {days} ({period}), zonder geoorloofde reden en zonder "
                f"introductiedag: no-show.")
    elif rule in ("sf-4w-contact", "sf-8w-ma"):
        text = (f"{facts['lesweken']} aaneengesloten lesweken ({lesweken}) alleen ongeoorloofd "
                f"afwezig, sinds {dutch_date(start)}; de student ontvangt studiefinanciering.")
        text += (" Neem contact op met de student." if rule == "sf-4w-contact"
                 else " Stuur het MA-formulier naar DUO; de student krijgt een kopie.")
    elif rule == "te-laat":
        text = (f"{facts['late_arrivals']} keer te laat in {lesweken} ({period}); "
                f"de grens is {facts['threshold']} keer in 4 lesweken.")
    elif rule == "ziek-zonder-verklaring":
        text = (f"{facts['lesweken']} aaneengesloten lesweken ({lesweken}) alleen ziek gemeld, "
                f"sinds {dutch_date(start)}, zonder doktersverklaring.")
    elif rule == "zorg-langdurig-ziek":
        text = (f"{facts['sick_days']} lesdagen achter elkaar ziek gemeld, sinds {dutch_date(start)}: "
                "zorgsignaal.")
    elif rule == "zorg-vaak-ziek":
        text = (f"{facts['episodes']} keer ziek gemeld binnen {facts['span_lesweken']} lesweken "
                f"({period}): zorgsignaal.")
    else:
        text = f"Regel {rule} is van toepassing ({period})."
    if not reportable:
        text += (" De student is niet meldingsplichtig bij DUO (23 jaar of ouder, of met "
                 "startkwalificatie): signaal voor de school.")
    if due is not None:
        text += f" Uiterlijk {dutch_date(due)} naar {RECIPIENT_NAMES.get(recipient, recipient)}."
    return text
