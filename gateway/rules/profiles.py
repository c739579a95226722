"""Regional rule profiles: TOML data under ``mappings/profiles/``, validated, with overrides."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import mappings
from gateway.domain.errors import ConfigurationError
from gateway.intake.validation import describe

DEFAULT_PROFILE_DIR = mappings.folder("profiles")


class Profile(BaseModel):
    """A regional rule profile; key names follow DESIGN.md section 3. ``stamp`` marks decisions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str = ""
    report_within_workdays: int = Field(5, ge=0)
    # verzuim-16u and herhaalmelding
    verzuim_16u_threshold: float = Field(16, gt=0)
    verzuim_16u_compare: Literal[">=", ">"] = ">="
    verzuim_16u_max_age: int = Field(18, ge=1, le=30)
    # lateness: over late_minutes a lesson counts as absent; te-laat only where the threshold is set
    late_minutes: int = Field(10, ge=0)
    late_arrivals_threshold: int | None = Field(None, ge=1)
    # no-show
    no_show_bol_school_days: int = Field(5, ge=1)
    no_show_bbl_school_days: int = Field(1, ge=1)
    no_show_max_age: int = Field(27, ge=1)
    no_show_report_by_school_day: int = Field(7, ge=1)
    # care signals (profile options)
    long_sick_school_days: int | None = Field(None, ge=1)
    frequent_sick_episodes: int | None = Field(None, ge=2)
    frequent_sick_span_lesweken: int | None = Field(None, ge=1)
    intern_10u_hours: float | None = Field(None, gt=0)
    # defaults where the catalogue leaves actie_gewenst null; delivery routes per rule
    actie_gewenst: dict[str, bool] = Field(default_factory=dict)
    routes: dict[str, Literal["duo", "mail"]] = Field(default_factory=dict)

    @property
    def stamp(self) -> str:
        """Version plus a digest of the effective values, so an override changes the stamp."""
        digest = hashlib.sha256(
            json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        ).hexdigest()[:10]
        return f"{self.name}@{self.version}+{digest}"


def available_profiles(directory: Path = DEFAULT_PROFILE_DIR) -> list[str]:
    """Names of the profiles in ``directory``."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def load_profile(
    name: str,
    overrides: Mapping[str, Any] | None = None,
    directory: Path = DEFAULT_PROFILE_DIR,
) -> Profile:
    """Load profile ``name`` (or a path to a TOML file) and apply a school's single-value overrides.

    Overrides use the profile's keys: ``{"verzuim_16u_max_age": 23}``.
    """
    path = Path(name) if name.endswith(".toml") else directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(available_profiles(directory)) or "geen"
        raise ConfigurationError(f"onbekend profiel '{name}' (beschikbaar: {known})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"profiel {path.name}: geen geldige TOML ({exc})") from exc
    if overrides:
        data = _merge(data, overrides)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(f"profiel {path.name} is ongeldig: {describe(exc)}") from exc
