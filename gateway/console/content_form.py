"""The console's melding form, both ways: content to the texts a form shows, and posted texts to the
data the intake checks (``gateway.intake.melding_content.parse_content``).

A form keeps every value as text, so a refused form is shown again with exactly what was typed.
Empty means *not decided*: an actie gewenst or a concern left unanswered stays open for the gate.
A refusal names the form's fields at fault (``field_errors``), so each message stands beside its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gateway.domain.errors import InvalidInput
from gateway.domain.melding_content import CONCERNS, MAX_ITEMS, MAX_TEXT, MeldingContent
from gateway.intake.validation import dutch_message

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


# --- refusals beside their fields ---------------------------------------------------------------

CONCERNS_FIELD = "zorgen"  # the three concern questions share one message, below the last
# The content's nested objects and lists -> the prefix of their inputs on the form.
PARTS = {"melder": ("melder", MELDER_KEYS), "different_address": ("adres", ADDRESS_KEYS)}
ATTEMPT_INPUTS = {"on": "datum", "how": "hoe", "outcome": "uitkomst"}
RENAMED = {"actions_taken": "acties", "concerns": CONCERNS_FIELD}  # content field -> its input's name
# The Dutch label of each input of _inhoud.html (a contact attempt's are made by ``label_of``).
FORM_LABELS = {
    "vermoedelijke_reden": "vermoedelijke reden van het verzuim", "acties": "door school ondernomen actie",
    "actie_gewenst": "actie door gemeente gewenst", "toelichting": "toelichting bij actie gewenst",
    "leslocatie": "naam leslocatie", "phone": "telefoonnummer ouder of leerling",
    "melder_naam": "naam melder", "melder_functie": "functie melder", "melder_telefoon": "telefoon melder",
    "melder_email": "e-mail melder", "adres_straat": "straat", "adres_huisnummer": "huisnummer",
    "adres_huisletter": "huisletter", "adres_toevoeging": "toevoeging", "adres_postcode": "postcode",
    "adres_plaatsnaam": "plaats", CONCERNS_FIELD: "zorgen", "agreements": "gemaakte afspraken",
    "asked_of_rmc": "wat de school van het RMC vraagt",
    "deregistration_agreed": "afstemming met Leerplicht/DSP over de uitschrijving",
}
# A pattern a person cannot read, said in words (by input).
PATTERN_WORDS = {
    "adres_postcode": "is geen postcode (vier cijfers en twee hoofdletters, zoals 1234 AB)",
    "adres_huisnummer": "is geen huisnummer (alleen cijfers)",
    "adres_huisletter": "is geen huisletter (één letter)",
    "melder_email": "is geen e-mailadres",
}
RELEASED_MISSING = "vul dit in: een vrijgegeven melding moet volledig blijven"
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_of(where: str) -> tuple[str | int, ...]:
    """``contact_attempts[0].on`` -> ``("contact_attempts", 0, "on")``."""
    return tuple(int(index) if index else name for name, index in _STEP.findall(where))


def _nested_field(head: str, rest: tuple[str | int, ...]) -> str:
    """The input of a nested object's field (a whole object: its first input) or a contact attempt's."""
    if head in PARTS:
        prefix, keys = PARTS[head]
        key = rest[0] if rest and rest[0] in keys else keys[0]  # a whole part or an input not on the form
        return f"{prefix}_{key}"
    index = rest[0] if rest and isinstance(rest[0], int) else 0
    step = rest[1] if len(rest) > 1 and isinstance(rest[1], str) else "on"
    return f"poging_{index}_{ATTEMPT_INPUTS.get(step, 'datum')}"


def form_field(loc: Sequence[str | int], own: Iterable[str] = ()) -> str | None:
    """The form input a content field's location stands for (``own``: a page's other inputs, named
    as in the form); ``None`` when the form has no input for it."""
    head, rest = (loc[0], tuple(loc[1:])) if loc else (None, ())
    if not isinstance(head, str):
        return None
    if head in PARTS or head == "contact_attempts":
        return _nested_field(head, rest)
    if head in TEXT_KEYS or head == "actie_gewenst" or head in set(own):
        return head
    return RENAMED.get(head)


def label_of(name: str, labels: Mapping[str, str] | None = None) -> str:
    """The Dutch label of a form input (``labels``: a page's own inputs)."""
    if (found := (labels or {}).get(name) or FORM_LABELS.get(name)) is not None:
        return found
    if (attempt := re.fullmatch(r"poging_(\d+)_(datum|hoe|uitkomst)", name)) is not None:
        return f"contactpoging {int(attempt[1]) + 1} ({attempt[2]})"
    return name


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pydantic_errors(exc: ValidationError, own: Iterable[str],
                     labels: Mapping[str, str] | None) -> dict[str, str]:
    """Each error of the intake's validation beside its input: "Postcode is geen postcode (...)"."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        name = form_field(tuple(err["loc"]), own)
        if name is None:
            continue
        words = PATTERN_WORDS.get(name) if err["type"] == "string_pattern_mismatch" else None
        text = f"{_capital(label_of(name, labels))} {words or dutch_message(err)}"
        errors[name] = f"{errors[name]}; {text}" if name in errors else text
    return errors


def field_errors(exc: InvalidInput, own: Iterable[str] = (),
                 labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Dutch message of a refused form by the input at fault (empty when no input is named).

    ``own`` and ``labels``: the page's inputs besides the content's, and their labels.
    """
    if isinstance(exc.__cause__, ValidationError):  # the intake names every wrong field
        return _pydantic_errors(exc.__cause__, tuple(own), labels)
    name = form_field(path_of(exc.where), own) if exc.where else None
    if name is None:
        return {}
    return {name: str(exc).removeprefix(f"{exc.where}: ")}


def missing_errors(missing: Iterable[str], words: str = RELEASED_MISSING) -> dict[str, str]:
    """The gate's missing fields (``IncompleteMelding.missing``), each beside its input saying ``words``."""
    return {name: words for field in missing if (name := form_field((field,))) is not None}


def refusal_message(what: str, errors: Mapping[str, str], labels: Mapping[str, str] | None = None) -> str:
    """The sentence above a refused form: ``what`` did not happen, and which inputs to check."""
    return f"{what}: controleer {', '.join(label_of(name, labels) for name in errors)}."
