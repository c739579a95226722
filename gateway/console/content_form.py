"""The console's melding form, both ways: content to the texts a form shows, and posted texts to the
data the intake checks (``gateway.intake.melding_content.parse_content``).

A form keeps every value as text, so a refused form is shown again with exactly what was typed.
Empty means *not decided*: an actie gewenst or a concern left unanswered stays open for the gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.domain.errors import InvalidInput
from gateway.domain.melding_content import CONCERNS, MAX_ITEMS, MAX_TEXT, MeldingContent

FormValues = dict[str, str]

ANSWERS = {"ja": True, "nee": False}
MELDER_KEYS = ("naam", "functie", "telefoon", "email")
ADDRESS_KEYS = ("straat", "huisnummer", "huisletter", "toevoeging", "postcode", "plaatsnaam")
TEXT_KEYS = ("vermoedelijke_reden", "toelichting", "leslocatie", "phone", "agreements", "asked_of_rmc",
             "deregistration_agreed")
ATTEMPT_KEYS = ("datum", "hoe", "uitkomst")
EMPTY_ATTEMPT_ROWS = 3  # blank contact-attempt rows below the ones filled in
MAX_VALUE = MAX_TEXT * 5  # a posted text longer than this is cut: the intake refuses it anyway


@dataclass(frozen=True)
class AttemptRow:
    """One row of the contact-attempt table: its number and the names of its three inputs."""

    index: int
    datum: str
    hoe: str
    uitkomst: str


def _answer(value: bool | None) -> str:
    return "" if value is None else ("ja" if value else "nee")


def form_values(content: MeldingContent) -> FormValues:
    """The texts a form shows for ``content`` (undecided fields empty)."""
    values: FormValues = {key: getattr(content, key) or "" for key in TEXT_KEYS}
    values["acties"] = "\n".join(content.actions_taken)
    values["actie_gewenst"] = _answer(content.actie_gewenst)
    if content.melder is not None:
        values.update({f"melder_{k}": getattr(content.melder, k) for k in MELDER_KEYS})
    if content.different_address is not None:
        values.update({f"adres_{k}": getattr(content.different_address, k) or "" for k in ADDRESS_KEYS})
    if content.concerns is not None:
        values.update({f"zorg_{c}": _answer(c in content.concerns) for c in CONCERNS})
    for i, attempt in enumerate(content.contact_attempts):
        values.update({f"poging_{i}_datum": attempt.on.isoformat(), f"poging_{i}_hoe": attempt.how,
                       f"poging_{i}_uitkomst": attempt.outcome})
    return values


def posted_values(form: Mapping[str, Any]) -> FormValues:
    """The text fields of a posted form (a file upload or an overlong value is not kept whole)."""
    return {key: value[:MAX_VALUE] for key, value in form.items() if isinstance(value, str)}


def attempt_rows(values: FormValues) -> list[AttemptRow]:
    """The contact-attempt rows to show: those filled in, and a few empty ones."""
    filled = [i for i in range(MAX_ITEMS) if any(values.get(f"poging_{i}_{k}") for k in ATTEMPT_KEYS)]
    count = min(MAX_ITEMS, (max(filled) + 1 if filled else 0) + EMPTY_ATTEMPT_ROWS)
    return [AttemptRow(i, *(f"poging_{i}_{k}" for k in ATTEMPT_KEYS)) for i in range(count)]


def _part(values: FormValues, prefix: str, keys: tuple[str, ...]) -> dict[str, str] | None:
    """A nested object when any of its inputs is filled in (the intake names what is missing)."""
    part = {k: values.get(f"{prefix}_{k}", "").strip() for k in keys}
    if not any(part.values()):
        return None
    return {k: v for k, v in part.items() if v}


def _concerns(values: FormValues) -> list[str] | None:
    answers = {c: values.get(f"zorg_{c}", "") for c in CONCERNS}
    if not any(answers.values()):
        return None
    if not all(a in ANSWERS for a in answers.values()):
        raise InvalidInput("beantwoord elk van de drie zorgen met ja of nee (of geen ervan)", "concerns")
    return [c for c, a in answers.items() if a == "ja"]


def _attempts(values: FormValues) -> list[dict[str, str]]:
    rows = [{"on": values.get(f"poging_{i}_datum", "").strip(), "how": values.get(f"poging_{i}_hoe", ""),
             "outcome": values.get(f"poging_{i}_uitkomst", "").strip()} for i in range(MAX_ITEMS)]
    return [{k: v for k, v in row.items() if v} for row in rows if any(row.values())]


def content_data(values: FormValues) -> dict[str, Any]:
    """The data for ``parse_content`` from a posted form: empty fields are left out (undecided)."""
    answer = values.get("actie_gewenst", "")
    if answer and answer not in ANSWERS:
        raise InvalidInput("kies ja, nee of niet gekozen", "actie_gewenst")
    data: dict[str, Any] = {key: text for key in TEXT_KEYS if (text := values.get(key, "").strip())}
    data["actions_taken"] = [line.strip() for line in values.get("acties", "").splitlines() if line.strip()]
    data["actie_gewenst"] = ANSWERS.get(answer)
    data["melder"] = _part(values, "melder", MELDER_KEYS)
    data["different_address"] = _part(values, "adres", ADDRESS_KEYS)
    data["concerns"] = _concerns(values)
    data["contact_attempts"] = _attempts(values)
    return data
