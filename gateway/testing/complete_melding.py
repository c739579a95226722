"""A school whose meldingen need no person: for tests and benchmarks of delivery, not of the gate.

Its profile decides every field a person would otherwise fill in (``melding_defaults``) and lets
every kind go without review; the school lists one leslocatie and its melder. Contact attempts of
a no-show are never decided by a profile: such a melding still waits for a person.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Config = TypeVar("Config", bound=BaseModel)  # a SchoolConfig (the config wing sits above this one)

LESLOCATIE = "Hoofdlocatie"
MELDER = {"contact_name": "M. de Melder", "contact_function": "verzuimcoördinator",
          "contact_phone": "0201234567", "contact_email": "verzuim@school.example"}
DECIDED: dict[str, Any] = {
    "vermoedelijke_reden": "Onbekend; de school zoekt het uit.",
    "actions_taken": ["Gesprek met de student gevoerd."],
    "actie_gewenst": False,
    "toelichting": "De school pakt het zelf verder op.",
    "concerns": [],
    "agreements": "Wekelijks gesprek met de mentor.",
    "asked_of_rmc": "Meedenken over een passende vervolgstap.",
}
OVERRIDES: dict[str, Any] = {
    "send_without_review": ["*"],
    "melding_defaults": {"*": DECIDED},
}


def complete(config: Config) -> Config:
    """A SchoolConfig with a leslocatie, a melder and a profile that decides what a person would."""
    overrides = {**getattr(config, "profile_overrides", {}), **OVERRIDES}
    return config.model_copy(update={"leslocaties": [LESLOCATIE], **MELDER, "profile_overrides": overrides})
