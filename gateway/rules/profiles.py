"""Regional rule profiles: TOML data under ``mappings/profiles/``, validated, with overrides."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import mappings
from gateway.domain.completeness import Requirements
from gateway.domain.errors import ConfigurationError
from gateway.domain.melding_content import (
    CONCERNS,
    MAX_ITEM_TEXT,
    MAX_ITEMS,
    MAX_TEXT,
    REQUIRABLE_FIELDS,
    MeldingContent,
)
from gateway.domain.soort_verzuim import KINDS_BEYOND_RULES
from gateway.intake.validation import describe
from gateway.rules.catalogue import RULE_IDS

DEFAULT_PROFILE_DIR = mappings.folder("profiles")
REQUIRED_FILE = mappings.folder("melding") / "required.toml"
ALL_KINDS = "*"  # in ``melding_defaults`` and ``send_without_review``: every melding kind


class ContentDefaults(BaseModel):
    """What a profile decides for the meldingen of one kind, so they need no person for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vermoedelijke_reden: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    actions_taken: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    actie_gewenst: bool | None = None
    toelichting: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    concerns: list[str] | None = None
    agreements: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    asked_of_rmc: str | None = Field(None, min_length=1, max_length=MAX_TEXT)

    @field_validator("actions_taken")
    @classmethod
    def _short_actions(cls, value: list[str]) -> list[str]:
        if any(not a.strip() or len(a) > MAX_ITEM_TEXT for a in value):
            raise ValueError(f"elke actie is 1 tot {MAX_ITEM_TEXT} tekens")
        return value

    @field_validator("concerns")
    @classmethod
    def _known_concerns(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(CONCERNS))
        if unknown:
            raise ValueError(f"onbekende zorg(en) {', '.join(unknown)} (bekend: {', '.join(CONCERNS)})")
        return value

    def content(self) -> MeldingContent:
        """These defaults as melding content (undecided where the profile says nothing)."""
        return MeldingContent(
            vermoedelijke_reden=self.vermoedelijke_reden, actions_taken=tuple(self.actions_taken),
            actie_gewenst=self.actie_gewenst, toelichting=self.toelichting,
            concerns=None if self.concerns is None else frozenset(self.concerns),
            agreements=self.agreements, asked_of_rmc=self.asked_of_rmc)


class ReceiverDeadlines(BaseModel):
    """How soon a receiver is expected to act on a melding (seed 000 step 5 for the DSP): make
    contact (working days), report back (days), and send an actieplan when the student did not start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contact_workdays: int | None = Field(None, ge=1)
    feedback_days: int | None = Field(None, ge=1)
    actieplan_days: int | None = Field(None, ge=1)


# Seed 000 (werkproces No Show, step 5): the DSP contacts the student within 3 working days,
# reports back within a week, and makes an actieplan within 2 weeks when the student did not start.
SEED_000_DSP = ReceiverDeadlines(contact_workdays=3, feedback_days=7, actieplan_days=14)


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
    # After delivery (DESIGN.md section 7): the receivers' deadlines per recipient; the no-show
    # follow-up: contact tasks on the first school days, a second determination (seed 001, Utrecht:
    # "na 2 weken nogmaals gemeld"; None: not asked), and the school day by which an enrolled student
    # without any attendance record is listed as not yet on a timetable.
    receiver_deadlines: dict[str, ReceiverDeadlines] = Field(default_factory=lambda: {"dsp": SEED_000_DSP})
    no_show_contact_task_days: int = Field(3, ge=0)
    no_show_second_determination_school_days: int | None = Field(None, ge=1)
    no_show_unscheduled_school_day: int = Field(3, ge=1)
    # The completeness gate (mappings/melding/required.toml): fields this profile requires on top
    # of the base, per group; the kinds whose complete meldingen go without review; and what the
    # profile decides for a kind (or "*") so that no person has to.
    required: dict[str, list[str]] = Field(default_factory=dict)
    send_without_review: list[str] = Field(default_factory=list)
    melding_defaults: dict[str, ContentDefaults] = Field(default_factory=dict)

    @field_validator("send_without_review")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        kinds = (ALL_KINDS, *RULE_IDS, *KINDS_BEYOND_RULES)
        unknown = sorted(set(value) - set(kinds))
        if unknown:
            raise ValueError(f"onbekende soort(en) {', '.join(unknown)} (bekend: {', '.join(kinds)})")
        return value

    @field_validator("required")
    @classmethod
    def _known_fields(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted({f for names in value.values() for f in names} - REQUIRABLE_FIELDS)
        if unknown:
            raise ValueError(f"onbekende veld(en) {', '.join(unknown)} "
                             f"(bekend: {', '.join(sorted(REQUIRABLE_FIELDS))})")
        return value

    @cached_property
    def stamp(self) -> str:
        """Version plus a digest of the effective values, so an override changes the stamp."""
        digest = hashlib.sha256(
            json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        ).hexdigest()[:10]
        return f"{self.name}@{self.version}+{digest}"


@lru_cache(maxsize=4)
def base_requirements(path: Path = REQUIRED_FILE) -> Requirements:
    """What every melding must hold whatever its profile: the law's minimum (mappings/melding)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path.name}: kan de verplichte velden niet lezen ({exc})") from exc
    groups = {k: frozenset(v) for k, v in data.get("required", {}).items()}
    unknown = sorted({f for names in groups.values() for f in names} - REQUIRABLE_FIELDS)
    if unknown:
        raise ConfigurationError(f"{path.name}: onbekende veld(en) {', '.join(unknown)}")
    when = data.get("toelichting", {}).get("when_actie_gewenst", [True, False])
    return Requirements(groups, frozenset(bool(w) for w in when))


def requirements(profile: Profile, path: Path = REQUIRED_FILE) -> Requirements:
    """The gate's requirements under ``profile``: the base file's, with the profile's own added."""
    base = base_requirements(path)
    groups = dict(base.groups)
    for group, names in profile.required.items():
        groups[group] = groups.get(group, frozenset()) | frozenset(names)
    return Requirements(groups, base.toelichting_when)


def melding_defaults(profile: Profile, kind: str) -> MeldingContent:
    """What ``profile`` decided for meldingen of ``kind``: its own entry over the ``"*"`` entry."""
    own = profile.melding_defaults.get(kind)
    every = profile.melding_defaults.get(ALL_KINDS)
    base = every.content() if every is not None else MeldingContent()
    return own.content().over(base) if own is not None else base


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
