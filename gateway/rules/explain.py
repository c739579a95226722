"""Dutch explanations of signals, written for the verzuimcoördinator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SignalTerms:
    """What the engine settled for a firing and the explanation names: period, limit, recipient."""

    start: date
    trigger: date
    due: date | None
    recipient: str
    weeks: tuple[int, int]  # labels of the first and last lesweek
    hours: float | None
    reportable: bool

    @property
    def period(self) -> str:
        """van 2 oktober 2026 tot en met 30 oktober 2026."""
        return f"van {dutch_date(self.start)} tot en met {dutch_date(self.trigger)}"

    @property
    def lesweken(self) -> str:
        """lesweek 41 / de lesweken 40 tot en met 44."""
        first, last = self.weeks
        return f"lesweek {first}" if first == last else f"de lesweken {first} tot en met {last}"


def explain(firing: Firing, terms: SignalTerms) -> str:
    """One paragraph: what happened, in which period, which limit, what to do by when."""
    text = _SENTENCES.get(firing.rule, _any_rule)(firing, terms)
    if not terms.reportable:
        text += (" De student is niet meldingsplichtig bij DUO (23 jaar of ouder, of met "
                 "startkwalificatie): signaal voor de school.")
    if terms.due is not None:
        recipient = RECIPIENT_NAMES.get(terms.recipient, terms.recipient)
        text += f" Uiterlijk {dutch_date(terms.due)} naar {recipient}."
    return text


# What the hour rules add after the count: first melding, repeat, or internal signal.
_HOURS_NEXT_STEP = {
    "verzuim-16u": " Eerste melding in dit schooljaar: actie gewenst nee.",
    "herhaalmelding": " Het verzuim gaat door na de vorige melding: herhaalmelding, actie gewenst ja.",
    "intern-10u": " Intern signaal: bespreek het verzuim met de student.",
}


def _hours(firing: Firing, terms: SignalTerms) -> str:
    facts = firing.facts
    limit = "meer dan" if facts.get("compare") == ">" else "ten minste"
    threshold = dutch_number(float(str(facts["threshold"])))
    return (f"{dutch_number(terms.hours or 0)} uur ongeoorloofd verzuim in {terms.lesweken} "
            f"({terms.period}); de grens is {limit} {threshold} uur in 4 lesweken."
            + _HOURS_NEXT_STEP[firing.rule])


def _whole_lesweken(firing: Firing, terms: SignalTerms, only: str) -> str:
    """A run of whole lesweken with nothing but ``only``: "6 aaneengesloten lesweken (de lesweken 40
    tot en met 45) alleen ziek gemeld, sinds 28 september 2026"."""
    return (f"{firing.facts['lesweken']} aaneengesloten lesweken ({terms.lesweken}) alleen {only}, "
            f"sinds {dutch_date(terms.start)}")


def _absent_run(firing: Firing, terms: SignalTerms) -> str:
    return (_whole_lesweken(firing, terms, "ongeoorloofd afwezig") + ": "
            + ("langdurig relatief verzuim." if firing.rule == "lrv" else "4 weken verzuim (18-23 jaar).")
            + " De melding blijft open tot de student weer op school komt.")


def _luxe(firing: Firing, terms: SignalTerms) -> str:
    return (f"Ongeoorloofd afwezig wegens luxe verzuim op {dutch_date(terms.trigger)} "
            "(vakantie zonder verlof).")


def _no_show(firing: Firing, terms: SignalTerms) -> str:
    n = int(str(firing.facts["school_days"]))
    days = "de eerste schooldag" if n == 1 else f"de eerste {n} schooldagen"
    return (f"Niet verschenen op {days} ({terms.period}), zonder geoorloofde reden en zonder "
            f"introductiedag: no-show.")


def _studiefinanciering(firing: Firing, terms: SignalTerms) -> str:
    run = _whole_lesweken(firing, terms, "ongeoorloofd afwezig")
    next_step = ("Neem contact op met de student." if firing.rule == "sf-4w-contact"
                 else "Stuur het MA-formulier naar DUO; de student krijgt een kopie.")
    return f"{run}; de student ontvangt studiefinanciering. {next_step}"


def _te_laat(firing: Firing, terms: SignalTerms) -> str:
    facts = firing.facts
    return (f"{facts['late_arrivals']} keer te laat in {terms.lesweken} ({terms.period}); "
            f"de grens is {facts['threshold']} keer in 4 lesweken.")


def _ziek_zonder_verklaring(firing: Firing, terms: SignalTerms) -> str:
    return _whole_lesweken(firing, terms, "ziek gemeld") + ", zonder doktersverklaring."


def _zorg_langdurig_ziek(firing: Firing, terms: SignalTerms) -> str:
    return (f"{firing.facts['sick_days']} lesdagen achter elkaar ziek gemeld, "
            f"sinds {dutch_date(terms.start)}: zorgsignaal.")


def _zorg_vaak_ziek(firing: Firing, terms: SignalTerms) -> str:
    return (f"{firing.facts['episodes']} keer ziek gemeld binnen {firing.facts['span_lesweken']} lesweken "
            f"({terms.period}): zorgsignaal.")


def _any_rule(firing: Firing, terms: SignalTerms) -> str:
    return f"Regel {firing.rule} is van toepassing ({terms.period})."


# Rule id -> the sentence that says what happened.
_SENTENCES: dict[str, Callable[[Firing, SignalTerms], str]] = {
    "verzuim-16u": _hours,
    "herhaalmelding": _hours,
    "intern-10u": _hours,
    "lrv": _absent_run,
    "rmc-4w": _absent_run,
    "luxe-verzuim": _luxe,
    "no-show": _no_show,
    "sf-4w-contact": _studiefinanciering,
    "sf-8w-ma": _studiefinanciering,
    "te-laat": _te_laat,
    "ziek-zonder-verklaring": _ziek_zonder_verklaring,
    "zorg-langdurig-ziek": _zorg_langdurig_ziek,
    "zorg-vaak-ziek": _zorg_vaak_ziek,
}
