"""The Dutch text of what a melding holds beyond its signal: the Besluit Verzuimmelding's fields,
the 18+/RMC concerns, a no-show's aanmelding and contact attempts, an uitschrijving's date.

Every field is named with its label from ``gateway.domain.melding_content`` (one owner for the
gate, the console, the API and the mail). An undecided field reads "niet ingevuld": the gate holds
incomplete meldingen, so that is a fault to see, never something to fill with a default.
"""

from __future__ import annotations

from adapters.mail.dutch import NOT_FILLED, Row, capital, datum, filled, ja_nee, rows, uren
from gateway.domain.age import ADULT_AGE, age_on
from gateway.domain.melding_content import CONCERN_LABELS, CONCERNS, FIELD_LABELS, Address, Melder
from gateway.domain.ports import OutgoingMelding
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN, UITSCHRIJVING, vermoedelijke_soort

# The specification is computed from the evidence; a melding stored before issue 16 has none.
NOT_COMPUTED = "niet berekend"
RMC_KINDS = frozenset({"rmc-4w"})


def label(name: str) -> str:
    """The label of a content field as a row of the mail starts with it."""
    return capital(FIELD_LABELS[name])


def _items(items: tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items) if items else NOT_FILLED


def _address(address: Address | None) -> str | None:
    if address is None:
        return None
    number = "".join(p for p in (address.huisnummer, address.huisletter) if p)
    if address.toevoeging:
        number = f"{number}-{address.toevoeging}"
    street = " ".join(p for p in (address.locatieaanduiding, address.straat, number) if p)
    return f"{street}, {address.postcode} {address.plaatsnaam}"


def _specification(melding: OutgoingMelding) -> list[Row]:
    spec = melding.specification
    if spec is None:
        if vermoedelijke_soort(melding.signal.rule) is None:
            return []  # an uitschrijving is no verzuim: nothing to count
        return [("Verzuimdagen", NOT_COMPUTED), ("Verzuimuren", NOT_COMPUTED),
                ("Alle lessen gemist", NOT_COMPUTED)]
    return [("Verzuimdagen", str(spec.verzuimdagen)), ("Verzuimuren", uren(spec.verzuimuren)),
            ("Alle lessen gemist", ja_nee(spec.alle_lessen_gemist))]


def besluit_block(melding: OutgoingMelding) -> list[str]:
    """The fields the Besluit Verzuimmelding asks of every melding (afwijkend verblijfadres only
    when there is one)."""
    content = melding.content
    soort = vermoedelijke_soort(melding.signal.rule)
    return ["Gegevens van de melding (Besluit verzuimmelding)", *rows([
        ("Vermoedelijke soort verzuim", soort.label if soort else None),
        (label("vermoedelijke_reden"), filled(content.vermoedelijke_reden)),
        *_specification(melding),
        (label("actions_taken"), _items(content.actions_taken)),
        (label("actie_gewenst"), ja_nee(content.actie_gewenst)),
        (label("toelichting"), filled(content.toelichting)),
        (label("leslocatie"), filled(content.leslocatie)),
        (label("phone"), filled(content.phone)),
        (label("different_address"), _address(content.different_address)),
    ])]


def melder_block(melder: Melder | None) -> list[str]:
    """Who at the school makes the melding (Besluit: naam, functie, telefoon, e-mail)."""
    if melder is None:
        return ["Melder", *rows([("Melder", NOT_FILLED)])]
    return ["Melder", *rows([("Naam", melder.naam), ("Functie", melder.functie),
                             ("Telefoon", melder.telefoon), ("E-mail", melder.email)])]


def _concerns_apply(melding: OutgoingMelding) -> bool:
    content, signal = melding.content, melding.signal
    adult = age_on(melding.student.birth_date, signal.trigger_date) >= ADULT_AGE
    decided = content.concerns is not None or content.agreements or content.asked_of_rmc
    return adult or signal.rule in RMC_KINDS or signal.recipient == "rmc" or bool(decided)


def concerns_block(melding: OutgoingMelding) -> list[str]:
    """For 18+ and the RMC (seed 002): each of the three concerns ja/nee, the afspraken and what is
    asked of the RMC; nothing for a younger student's melding that names none of them."""
    if not _concerns_apply(melding):
        return []
    content = melding.content
    concerns = content.concerns
    answers: list[Row] = [
        (capital(CONCERN_LABELS[c]), NOT_FILLED if concerns is None else ja_nee(c in concerns))
        for c in CONCERNS]
    return ["Zorgen en afspraken (18 jaar of ouder, RMC)", *rows([
        *answers,
        (label("agreements"), filled(content.agreements)),
        (label("asked_of_rmc"), filled(content.asked_of_rmc)),
    ])]


def _attempts(melding: OutgoingMelding) -> str:
    attempts = melding.content.contact_attempts
    if not attempts:
        return NOT_FILLED
    return "\n".join(f"- {datum(a.on)}, {a.how}: {a.outcome}" for a in attempts)


def no_show_block(melding: OutgoingMelding) -> list[str]:
    """For a no-show (seed 000 step 4): the datum aanmelding and every contact attempt."""
    if melding.signal.rule not in NO_SHOW_MELDINGEN:
        return []
    enrolled_on = melding.student.enrolled_on
    return ["Aanmelding en contactpogingen (no-show)", *rows([
        (label("enrolled_on"), datum(enrolled_on) if enrolled_on else NOT_FILLED),
        (label("contact_attempts"), _attempts(melding)),
    ])]


def uitschrijving_block(melding: OutgoingMelding) -> list[str]:
    """For an uitschrijving: the date the enrolment ended and, when given, with whom it was agreed."""
    agreed = melding.content.deregistration_agreed
    if melding.signal.rule != UITSCHRIJVING:
        return ["Uitschrijving", *rows([(label("deregistration_agreed"), agreed)])] if agreed else []
    return ["Uitschrijving", *rows([
        ("Datum uitschrijving", datum(melding.signal.period_start)),
        (label("deregistration_agreed"), agreed),
    ])]
