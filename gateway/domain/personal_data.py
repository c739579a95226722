"""Which keys name personal data: the one list that logging, the audit log and the store share.

Logging redacts these keys, the audit log refuses them, and the student store seals the canonical
``Student`` fields among them (``gateway.store.students``). Keys are matched case-insensitively,
at any depth of a mapping. English keys are the canonical model's and the code's; Dutch ones are
what SIS payloads, meldingen and people write. A bare ``name`` is on the list too: under that key
a person's name is as likely as a school's, and a name must never slip through a log or the audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

_IDENTIFIES = "identifies the student nationally, on its own"
_NAME = "a person's name"
_ADDRESS = "where a person lives"
_REACHES = "reaches a person directly"

# Key -> why its value is personal data.
PERSONAL_DATA: Mapping[str, str] = MappingProxyType({
    "bsn": f"burgerservicenummer: {_IDENTIFIES}",
    "onderwijsnummer": f"the BSN's stand-in in education: {_IDENTIFIES}",
    "given_names": _NAME,
    "voornamen": _NAME,
    "family_name": _NAME,
    "achternaam": _NAME,
    "name": _NAME,
    "naam": _NAME,
    "contact_name": f"{_NAME}: the school's contact person",
    "street": _ADDRESS,
    "straat": _ADDRESS,
    "house_number": _ADDRESS,
    "huisnummer": _ADDRESS,
    "postcode": f"{_ADDRESS}; with a house number it points at one household",
    "city": _ADDRESS,
    "woonplaats": _ADDRESS,
    "address": _ADDRESS,
    "adres": _ADDRESS,
    "email": _REACHES,
    "contact_email": f"{_REACHES}: the school's contact person",
    "phone": _REACHES,
    "telefoon": _REACHES,
    "telefoonnummer": _REACHES,  # the SIS's own key names (Eduarte, Magister)
    "telefoonnummers": _REACHES,
    "contact_phone": f"{_REACHES}: the school's contact person",
    "contact": "a contact person: name, e-mail address or phone number",
    "contacts": "contact persons: names, e-mail addresses or phone numbers",
    "birth_date": "with a name or school it singles a student out; the rules need it for age",
    "geboortedatum": "with a name or school it singles a student out",
    "personal": "a student's sealed personal data (the store's column): even encrypted, it stays put",
})

PERSONAL_KEYS: frozenset[str] = frozenset(PERSONAL_DATA)

# Personal data the rules engine reads (age on the trigger date decides recipient and
# reportability), so the store keeps it among a student's rule facts instead of sealing it.
# It is still never logged and never audited.
RULE_FACTS: frozenset[str] = frozenset({"birth_date"})


def is_personal(key: object) -> bool:
    """True when ``key`` (in any case) names personal data."""
    return str(key).lower() in PERSONAL_KEYS


def without_personal_data(value: Any) -> Any:
    """``value`` with every personal key left out, at any depth of mappings, lists and tuples."""
    if isinstance(value, Mapping):
        return {k: without_personal_data(v) for k, v in value.items() if not is_personal(k)}
    if isinstance(value, list | tuple):
        return [without_personal_data(v) for v in value]
    return value
