"""A school's configuration (pydantic), loadable from TOML: identity, profile, review, routes.

Example::

    id = "25AB00"
    brin = "25AB"
    oin = "00000001234567890000"
    name = "ROC Voorbeeld"
    profile = "national"
    review_required = false

    [profile_overrides]
    verzuim_16u_max_age = 23

    [routes]            # rule id -> "duo" | "mail"
    no-show = "mail"

    [fallback]
    enabled = true
    within_workdays = 2
    after_failed_attempts = 3

    [channels.duo]
    endpoint = "https://..."

    [sources.magister]
    base_url = "https://..."
    client_secret_env = "MAGISTER_CLIENT_SECRET"   # secrets come from the environment

    [calendar]
    first_school_day = 2026-08-31
    last_school_day = 2027-07-16
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.config.routes import FallbackPolicy, Route, RoutingPolicy
from gateway.domain.errors import ConfigurationError
from gateway.domain.melding_content import Melder
from gateway.domain.model import MAX_LESLOCATIE, Calendar
from gateway.domain.oin import OIN_PATTERN
from gateway.domain.ports import SchoolIdentity
from gateway.intake.validation import describe
from gateway.rules.profiles import Profile, load_profile
from gateway.store.engine import Store
from gateway.store.schema import schools

# The school's ``[fallback]`` table is the routing policy's own model: one definition of the keys,
# their defaults and limits (when DUO stays unreachable and the due date comes near: mail instead).
Fallback = FallbackPolicy

# DUO's OIN names the receiving party of the melding document on both channels. A school writes it
# once, in [channels.duo]; the mail channel takes it from there unless its own table names it.
DUO_OIN_KEY = "duo_oin"


class SchoolConfig(BaseModel):
    """One school as the gateway serves it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    brin: str = Field(pattern=r"^\d{2}[A-Z]{2}$")
    oin: str = Field(pattern=OIN_PATTERN)
    name: str = Field(min_length=1)
    location: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_function: str | None = None  # the melder's functie (Besluit), with the three above
    # The school's leslocaties (Besluit: naam leslocatie, "from a list the school keeps"): a melding
    # names one of these, from the SIS or chosen by a person.
    leslocaties: list[Annotated[str, Field(min_length=1, max_length=MAX_LESLOCATIE)]] = Field(
        default_factory=list)
    profile: str = "national"
    profile_overrides: dict[str, Any] = Field(default_factory=dict)
    review_required: bool = False
    routes: dict[str, Route] = Field(default_factory=dict)
    default_route: Route = "duo"
    fallback: Fallback = Fallback()
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # The school year (optional here: a source may deliver it instead).
    calendar: Calendar | None = None

    def identity(self) -> SchoolIdentity:
        """The school as a receiver sees it."""
        return SchoolIdentity(
            brin=self.brin,
            oin=self.oin,
            name=self.name,
            location=self.location,
            contact_name=self.contact_name,
            contact_email=self.contact_email,
            contact_phone=self.contact_phone,
            contact_function=self.contact_function,
        )

    def melder(self) -> Melder | None:
        """The school's melder from its settings; None unless naam, functie, telefoon and e-mail are set."""
        if not (self.contact_name and self.contact_function and self.contact_phone and self.contact_email):
            return None
        return Melder(naam=self.contact_name, functie=self.contact_function, telefoon=self.contact_phone,
                      email=self.contact_email)

    def channel_options(self, route: str) -> dict[str, Any]:
        """The settings of the channel on ``route``, as its adapter is built from them: the mail
        channel without a ``duo_oin`` of its own takes the one of ``[channels.duo]``."""
        options = dict(self.channels.get(route, {}))
        duo_oin = self.channels.get("duo", {}).get(DUO_OIN_KEY)
        if route == "mail" and DUO_OIN_KEY not in options and duo_oin is not None:
            options[DUO_OIN_KEY] = duo_oin
        return options

    def routing_policy(self, profile_routes: Mapping[str, Route] | None = None) -> RoutingPolicy:
        """The routing policy (``delivery.routing``) for this school on top of its profile's routes."""
        return RoutingPolicy.from_config(
            {
                "default": self.default_route,
                "routes": dict(self.routes),
                "fallback": self.fallback.model_dump(),
            },
            profile_routes=profile_routes,
        )


def parse_school_config(data: dict[str, Any], where: str = "school") -> SchoolConfig:
    """Validate a school configuration; problems become one ``ConfigurationError`` naming each spot."""
    try:
        return SchoolConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(f"{where}: ongeldige schoolconfiguratie: {describe(exc)}") from exc


def load_school_config(path: Path) -> SchoolConfig:
    """Read and validate a school configuration TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{path}: kan het bestand niet lezen ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: geen geldige TOML ({exc})") from exc
    return parse_school_config(data, str(path))


# --- secrets from the environment -------------------------------------------------------------

ENV_SUFFIX = "_env"
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def resolve_env_references(config: Mapping[str, Any], environ: Mapping[str, str],
                           where: str = "configuratie") -> dict[str, Any]:
    """Replace every ``<key>_env = "VAR"`` by ``<key> = <value of VAR>``; secrets stay out of files.

    Call at the edge (sync, worker start) with ``os.environ``; a missing variable is a
    ``ConfigurationError`` naming key and variable.
    """
    resolved: dict[str, Any] = {}
    for key, value in config.items():
        if not key.endswith(ENV_SUFFIX):
            resolved[key] = value
            continue
        target = key.removesuffix(ENV_SUFFIX)
        if not isinstance(value, str) or value not in environ:
            raise ConfigurationError(
                f"{where}: {key} verwijst naar omgevingsvariabele '{value}', maar die is niet gezet"
            )
        resolved[target] = environ[value]
    return resolved


# --- a registered school: as stored, and its rule profile ----------------------------------------


def find_school(conn: sa.Connection, school_id: str) -> SchoolConfig | None:
    """The configuration a school was registered with, read in the caller's transaction; None
    when it is not registered (the one place that reads a stored school configuration)."""
    text = conn.scalar(sa.select(schools.c.config).where(schools.c.id == school_id))
    return None if text is None else SchoolConfig.model_validate_json(text)


def registered_schools(conn: sa.Connection) -> list[SchoolConfig]:
    """Every registered school's configuration, in id order."""
    return [SchoolConfig.model_validate_json(text)
            for text in conn.scalars(sa.select(schools.c.config).order_by(schools.c.id))]


def load_school(conn: sa.Connection, school_id: str) -> SchoolConfig:
    """As ``find_school``; ``ConfigurationError`` when the school is not registered."""
    config = find_school(conn, school_id)
    if config is None:
        raise ConfigurationError(f"school '{school_id}' is niet geregistreerd")
    return config


def get_school(store: Store, school_id: str) -> SchoolConfig:
    """As ``load_school``, in a read transaction of its own."""
    with store.read() as conn:
        return load_school(conn, school_id)


def school_profile(config: SchoolConfig) -> Profile:
    """The school's rule profile with its overrides (one place for the evaluation and the worker)."""
    return load_profile(config.profile, config.profile_overrides or None)
