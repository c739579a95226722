"""Reading a ``deelnemers`` row as a canonical student, with what a melding needs from Eduarte.

Besides the rule facts a row may carry (optional columns, read when the export has them) the
deelnemer's ``telefoonnummer`` (a parent's or the student's), the ``locatie`` (leslocatie) and the
verbintenis: ``verbintenis_status`` and ``verbintenis_einddatum``. A verbintenis has ended
(an uitschrijving) when its status says so, or when its einddatum lies before the export's day.
A malformed value fails the row with the column named, never with the value (personal data).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from adapters.eduarte.exports import parse_bool, parse_date
from gateway.domain.model import Student
from gateway.domain.values import is_phone_number

# Verbintenis statuses that mean the enrolment has ended, in lower case.
ENDED_STATUSES = frozenset({"beëindigd", "beeindigd", "uitgeschreven", "afgemeld"})


def _opt_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _opt_date(values: dict[str, str], key: str) -> date | None:
    if not values.get(key):
        return None
    try:
        return parse_date(values[key])
    except ValueError as exc:  # reported without the value: it is personal data
        raise ValueError(f"veld '{key}' is geen datum (dd-mm-jjjj)") from exc


def _phone(values: dict[str, str]) -> str | None:
    value = values.get("telefoonnummer") or None
    if value is not None and not is_phone_number(value):
        raise ValueError("veld 'telefoonnummer' is geen geldig telefoonnummer (10 tot 15 cijfers, "
                         "eventueel met +, spaties of streepjes)")
    return value


def _enrolment(values: dict[str, str], exported_on: date) -> dict[str, Any]:
    """``enrolment_status`` and ``enrolment_end`` from the verbintenis columns."""
    end = _opt_date(values, "verbintenis_einddatum")
    said_ended = values.get("verbintenis_status", "").strip().lower() in ENDED_STATUSES
    if said_ended and end is None:
        raise ValueError("verbintenis beëindigd zonder 'verbintenis_einddatum'")
    if said_ended or (end is not None and end < exported_on):
        return {"enrolment_status": "ended", "enrolment_end": end}
    return {"enrolment_status": "active"}  # an end still to come is not an uitschrijving yet


def parse_student(values: dict[str, str], brin: str, exported_on: date | None = None) -> Student:
    """A deelnemer row as a canonical student; raises ValueError naming the student and the field.
    ``exported_on`` (the export's day) decides whether a verbintenis einddatum has passed."""
    number = values["deelnemernummer"]
    if not number:
        raise ValueError("deelnemernummer ontbreekt")
    try:
        data: dict[str, Any] = {
            "id": f"{brin}-{number}", "birth_date": _opt_date(values, "geboortedatum"),
            "leerweg": values["leerweg"], "niveau": _opt_int(values["niveau"]),
            "enrolled_on": _opt_date(values, "inschrijfdatum"),
            "first_school_day": _opt_date(values, "eerste_lesdag"),
            "intro_attended": parse_bool(values["intro_gevolgd"]),
            "startkwalificatie": parse_bool(values["startkwalificatie"]),
            "studiefinanciering": parse_bool(values["studiefinanciering"]),
            "woongemeente": values["woongemeente"] or None,
            "doktersverklaring": parse_bool(values["doktersverklaring"]),
            "given_names": values.get("roepnaam") or None, "family_name": values.get("achternaam") or None,
            "crebo": values.get("crebo") or None, "leerjaar": _opt_int(values.get("leerjaar", "")),
            # optional columns: an export without them leaves the fields empty
            "onderwijsnummer": values.get("onderwijsnummer") or None,
            "phone": _phone(values), "leslocatie": values.get("locatie") or None,
            **_enrolment(values, exported_on or date.today()),
        }
    except ValueError as exc:
        raise ValueError(f"deelnemer {number}: {exc}") from exc
    try:
        return Student.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise ValueError(f"deelnemer {number}: ongeldige velden: {fields}") from exc
