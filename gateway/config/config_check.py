"""Checking a school's configuration file, with messages a school administrator understands.

``check_file(path, environ=..., installed=...)`` reads the TOML file and returns every
problem at once: the key, what is wrong and what is allowed (in Dutch). Problems make the file
unusable; warnings (an environment variable that is not set here, a fallback without a mail
channel) do not. Nothing here imports an adapter: the known source and channel names are passed in,
and so, optionally, are their factories, which then check the settings inside each table.
"""

from __future__ import annotations

import re
import tomllib
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from gateway.config.config_values import (
    MAIL_FORM,
    Finding,
    did_you_mean,
    location_findings,
    mail_finding,
    table_value_findings,
)
from gateway.config.school import DUO_OIN_KEY, ENV_NAME, ENV_SUFFIX, SchoolConfig, resolve_env_references
from gateway.domain.errors import ConfigurationError, GatewayError
from gateway.domain.oin import OIN_FORM
from gateway.domain.soort_verzuim import KINDS_BEYOND_RULES
from gateway.domain.values import is_phone_number
from gateway.domain.vestiging import VESTIGING_FORM
from gateway.rules.catalogue import RULE_IDS
from gateway.rules.profiles import available_profiles, load_profile

# A source or channel factory (the entry point object): builds the adapter from its table.
Factory = Callable[[Mapping[str, Any]], Any]
# Stands in for a secret whose variable is not set here (that is a warning of its own).
_UNSET_SECRET = "(niet gezet)"  # noqa: S105 - a placeholder, not a secret

# Keys whose values are secrets: they must come from the environment (``<key>_env``).
SECRET_KEYS = frozenset({"password", "client_secret", "secret", "token", "api_key", "private_key"})

# What is allowed, per key of the school file (the last part of a nested key for dicts).
ALLOWED: dict[str, str] = {
    "id": "een niet-lege tekst, uniek per school in deze gateway, bijvoorbeeld \"25AB00\"",
    "brin": "vier tekens: twee cijfers en twee hoofdletters, bijvoorbeeld \"25AB\"",
    "oin": f"{OIN_FORM}, bijvoorbeeld \"00000001234567890000\"",
    "name": "de naam van de school (niet leeg)",
    "profile": "een van de profielen",
    "profile_overrides": "sleutels van het profiel met een nieuwe waarde",
    "review_required": "true of false",
    "routes": "per regel \"duo\" of \"mail\"",
    "default_route": "\"duo\" of \"mail\"",
    "fallback": "enabled (true/false), within_workdays (0 of meer werkdagen) en "
                "after_failed_attempts (1 of meer mislukte pogingen bij DUO op rij)",
    "enabled": "true of false",
    "within_workdays": "een heel getal van 0 of meer",
    "after_failed_attempts": "een heel getal van 1 of meer: zoveel keer op rij moet DUO onbereikbaar "
                             "zijn voordat de melding per mail gaat",
    "channels": "per kanaal (duo, mail) een tabel met instellingen",
    "sources": "per bron (magister, eduarte, ...) een tabel met instellingen",
    "calendar": "first_school_day, last_school_day (datums als 2026-08-31) en holidays",
    "first_school_day": "een datum, bijvoorbeeld 2026-08-31",
    "last_school_day": "een datum na first_school_day, bijvoorbeeld 2027-07-16",
    "holidays": "een lijst van vakanties met name, start en end",
    "start": "een datum, bijvoorbeeld 2026-10-19",
    "end": "een datum op of na start",
    "location": VESTIGING_FORM,
    "contact_name": "een naam",
    "contact_email": MAIL_FORM,
    "contact_phone": "een telefoonnummer",
}
KNOWN_TOP_KEYS = tuple(SchoolConfig.model_fields)
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class InstalledAdapters:
    """The source and channel adapters installed here, by name (none given: names are not checked).

    With factories (adapter name -> factory) each source and channel table is also built, so a
    misspelt or missing setting inside it, or a certificate file that is not there, is reported.
    """

    sources: Collection[str] = ()
    channels: Collection[str] = ()
    source_factories: Mapping[str, Factory] = field(default_factory=dict)
    channel_factories: Mapping[str, Factory] = field(default_factory=dict)


@dataclass
class CheckResult:
    """The outcome of a check: the parsed configuration when usable, problems and warnings."""

    path: Path
    config: SchoolConfig | None = None
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file can be used as it is."""
        return not self.problems and self.config is not None


def _key(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not str(p).startswith("function-")]
    return ".".join(parts) or "(hele bestand)"


def _allowed_for(loc: tuple[int | str, ...]) -> str:
    for part in reversed(loc):
        if isinstance(part, str) and part in ALLOWED:
            hint = ALLOWED[part]
            if part == "profile":
                hint = f"{hint}: {', '.join(available_profiles())}"
            return hint
    return ""


# What is wrong, per pydantic error type ("{value}": the value in the file).
_MESSAGES = {
    "missing": "ontbreekt (verplicht)",
    "string_pattern_mismatch": "'{value}' heeft niet de juiste vorm",
    "literal_error": "'{value}' is geen toegestane waarde",
    "string_too_short": "is leeg",
    "greater_than_equal": "'{value}' is te klein",
}
# Error types that start with one of these say the value has the wrong type.
_TYPE_ERRORS = ("bool", "int", "float", "date", "string_type", "dict", "list", "model")


def _message(err: ErrorDetails) -> str:
    kind, value = err["type"], err.get("input")
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(value=value)
    if kind.startswith(_TYPE_ERRORS):
        shown = "" if isinstance(value, dict) else f"'{value}' "  # a whole table is not quoted back
        return f"{shown}heeft het verkeerde type"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    return err["msg"]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``Calendar | None`` or ``list[Holiday]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        model = _model_of(arg)
        if model is not None:
            return model
    return None


def _keys_at(loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The keys allowed at the level of ``loc``'s last part (the school file's nested tables)."""
    model: type[BaseModel] | None = SchoolConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue  # an item of a list: same model as the list
        field_info = model.model_fields.get(part) if model else None
        model = _model_of(field_info.annotation) if field_info else None
    return tuple(model.model_fields) if model else ()


def _validation_finding(err: ErrorDetails) -> Finding:
    loc = tuple(err["loc"])
    if err["type"] != "extra_forbidden":
        return Finding(_key(loc), _message(err), _allowed_for(loc))
    keys = _keys_at(loc)
    allowed = "de sleutels " + ", ".join(keys) if keys else _allowed_for(loc)
    return Finding(_key(loc), f"onbekende sleutel '{loc[-1]}'{did_you_mean(str(loc[-1]), keys)}", allowed)


# Stand-ins for required keys whose value is wrong, so that the rest of the file is still checked.
_PLACEHOLDERS = {"id": "?", "brin": "00AA", "oin": "0" * 20, "name": "?"}


def _validate(data: Mapping[str, Any]) -> tuple[SchoolConfig | None, list[Finding]]:
    """The configuration and the problems of its structure. With problems, the configuration is
    built without the keys that have them, so that the later checks still see the rest."""
    try:
        return SchoolConfig.model_validate(dict(data)), []
    except ValidationError as exc:
        problems = [_validation_finding(err) for err in exc.errors()]
        broken = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
    rest = {k: v for k, v in data.items() if k not in broken}
    rest.update({k: v for k, v in _PLACEHOLDERS.items() if k in broken})
    try:
        return SchoolConfig.model_validate(rest), problems
    except ValidationError:
        return None, problems  # a whole-file problem (not a table at all): nothing more to check


def _secret_findings(section: str, config: Mapping[str, Any], environ: Mapping[str, str],
                     warnings: list[Finding]) -> list[Finding]:
    problems = []
    for key, value in config.items():
        where = f"{section}.{key}"
        if key in SECRET_KEYS:
            problems.append(Finding(
                where, "een geheim hoort niet in het configuratiebestand",
                f"{key}{ENV_SUFFIX} = \"NAAM_VAN_VARIABELE\" en de waarde in die omgevingsvariabele"))
        elif key.endswith(ENV_SUFFIX):
            if not isinstance(value, str) or not ENV_NAME.match(value):
                problems.append(Finding(
                    where, f"'{value}' is geen naam van een omgevingsvariabele",
                    "hoofdletters, cijfers en _, bijvoorbeeld \"MAGISTER_CLIENT_SECRET\""))
            elif value not in environ:
                warnings.append(Finding(where, f"omgevingsvariabele {value} is hier niet gezet; "
                                               "zet die op de machine waar de gateway draait"))
    return problems


def _profile_findings(config: SchoolConfig) -> list[Finding]:
    if config.profile not in available_profiles():
        profiles = available_profiles()
        hint = did_you_mean(config.profile, profiles)
        return [Finding("profile", f"onbekend profiel '{config.profile}'{hint}", ", ".join(profiles))]
    if config.profile_overrides:
        try:
            load_profile(config.profile, config.profile_overrides)
        except ConfigurationError as exc:
            return [Finding("profile_overrides", str(exc), ALLOWED["profile_overrides"])]
    return []


def _unknown_rule_findings(config: SchoolConfig) -> list[Finding]:
    kinds = (*RULE_IDS, *KINDS_BEYOND_RULES)
    return [Finding(f"routes.{rule}", f"onbekende regel '{rule}'{did_you_mean(rule, kinds)}",
                    ", ".join(kinds))
            for rule in config.routes if rule not in kinds]


def _missing_channel_findings(config: SchoolConfig) -> list[Finding]:
    """Routes in use without a channel table (checked only when channels are set at all)."""
    if not config.channels:
        return []
    used_routes = {config.default_route, *config.routes.values()}
    return [Finding(f"channels.{route}", "ontbreekt, maar meldingen gaan over deze route",
                    f"een tabel [channels.{route}] met de instellingen van het kanaal")
            for route in sorted(used_routes) if route not in config.channels]


def _table_findings(config: SchoolConfig, environ: Mapping[str, str], installed: InstalledAdapters,
                    warnings: list[Finding]) -> list[Finding]:
    """Source and channel tables: the adapter is installed, and no secret is written in the file."""
    problems: list[Finding] = []
    for name, options in config.sources.items():
        adapter = str(options.get("adapter", name))
        if installed.sources and adapter not in installed.sources:
            problems.append(Finding(f"sources.{name}", f"geen bronadapter '{adapter}' geïnstalleerd"
                                    f"{did_you_mean(adapter, installed.sources)}",
                                    ", ".join(sorted(installed.sources))))
        problems += _secret_findings(f"sources.{name}", options, environ, warnings)
    for name, options in config.channels.items():
        if installed.channels and name not in installed.channels:
            problems.append(Finding(f"channels.{name}", f"geen kanaal '{name}' geïnstalleerd"
                                    f"{did_you_mean(name, installed.channels)}",
                                    ", ".join(sorted(installed.channels))))
        problems += _secret_findings(f"channels.{name}", options, environ, warnings)
    return problems


def _duo_oin_findings(config: SchoolConfig) -> list[Finding]:
    """DUO's OIN written in both channel tables, with two values: which one is DUO's is unclear."""
    duo = config.channels.get("duo", {}).get(DUO_OIN_KEY)
    mail = config.channels.get("mail", {}).get(DUO_OIN_KEY)
    if duo is None or mail is None or duo == mail:
        return []
    return [Finding(f"channels.mail.{DUO_OIN_KEY}",
                    f"'{mail}' verschilt van channels.duo.{DUO_OIN_KEY} ('{duo}'); "
                    "beide zijn het OIN van DUO",
                    f"laat channels.mail.{DUO_OIN_KEY} weg (het mail-kanaal neemt dan het OIN uit "
                    "[channels.duo]) of geef beide dezelfde waarde")]


def _usability_warnings(config: SchoolConfig) -> list[Finding]:
    """Settings that work, but not as a school would expect."""
    warnings = []
    if config.fallback.enabled and config.channels and "mail" not in config.channels:
        warnings.append(Finding("fallback", "terugval naar mail staat aan, maar er is geen [channels.mail]; "
                                            "bij een DUO-storing kan er dan niet per mail gemeld worden"))
    if not config.sources:
        warnings.append(Finding("sources", "geen bronnen ingesteld; gegevens kunnen alleen via de "
                                           "aanlever-API binnenkomen"))
    return warnings + _melding_warnings(config)


def _melding_warnings(config: SchoolConfig) -> list[Finding]:
    """What every melding needs from the school's settings (Besluit Verzuimmelding): without it
    each melding waits in the review queue until a person fills it in."""
    warnings = []
    if not config.leslocaties:
        warnings.append(Finding("leslocaties", "geen leslocaties ingesteld; een melding noemt de leslocatie "
                                               "uit deze lijst, dus elke melding blijft wachten",
                                "een lijst met de namen van de leslocaties van de school"))
    if config.melder() is None:
        warnings.append(Finding("contact_name", "de melder is niet volledig (contact_name, "
                                                "contact_function, contact_phone, contact_email); elke "
                                                "melding wacht tot iemand de melder invult"))
    return warnings


def _value_findings(config: SchoolConfig) -> list[Finding]:
    """Mail addresses, OINs and the files named in source and channel tables."""
    problems: list[Finding] = []
    if config.contact_email is not None:
        problems += filter(None, [mail_finding("contact_email", config.contact_email)])
    if config.contact_phone is not None and not is_phone_number(config.contact_phone):
        problems.append(Finding("contact_phone", "is geen telefoonnummer",
                                "10 tot 15 cijfers, eventueel met +, spaties of streepjes"))
    for name, options in config.sources.items():
        problems += table_value_findings(f"sources.{name}", options)
    for name, options in config.channels.items():
        problems += table_value_findings(f"channels.{name}", options)
    return problems


def _semantic_findings(config: SchoolConfig, environ: Mapping[str, str], installed: InstalledAdapters,
                       warnings: list[Finding]) -> list[Finding]:
    problems = location_findings(config.location) + _profile_findings(config) + _unknown_rule_findings(config)
    problems += _value_findings(config)
    problems += _table_findings(config, environ, installed, warnings)
    problems += _missing_channel_findings(config) + _duo_oin_findings(config)
    warnings += _usability_warnings(config)
    return problems


def _build_finding(where: str, options: Mapping[str, Any], factory: Factory,
                   environ: Mapping[str, str]) -> Finding | None:
    """Build the adapter from its table (no connection is made) and report what it refuses."""
    placeholders = {v: _UNSET_SECRET for k, v in options.items()
                    if k.endswith(ENV_SUFFIX) and isinstance(v, str) and v not in environ}
    try:
        resolved = resolve_env_references(options, {**environ, **placeholders}, where)
        resolved.pop("adapter", None)
        built = factory(resolved)
    except GatewayError as exc:
        return Finding(where, str(exc))
    close = getattr(built, "close", None)
    if callable(close):
        close()
    return None


def _adapter_findings(config: SchoolConfig, environ: Mapping[str, str],
                      installed: InstalledAdapters, reported: Collection[Finding]) -> list[Finding]:
    """Each table its adapter builds; a table already reported is not built again (the adapter would
    only repeat the problem, less precisely)."""
    tables = [(f"sources.{name}", options, installed.source_factories.get(str(options.get("adapter", name))))
              for name, options in config.sources.items()]
    tables += [(f"channels.{name}", config.channel_options(name), installed.channel_factories.get(name))
               for name in config.channels]
    findings = [_build_finding(where, options, factory, environ)
                for where, options, factory in tables
                if factory is not None and not any(_within(f.key, where) for f in reported)]
    return [f for f in findings if f is not None]


def _within(key: str, table: str) -> bool:
    return key == table or key.startswith(f"{table}.")


def check_data(data: Mapping[str, Any], path: Path, *, environ: Mapping[str, str],
               installed: InstalledAdapters | None = None) -> CheckResult:
    """Check parsed TOML data against the ``installed`` adapters (none given: names and tables unchecked)."""
    installed = installed or InstalledAdapters()
    result = CheckResult(path)
    config, result.problems = _validate(data)
    if config is None:
        return result
    result.problems += _semantic_findings(config, environ, installed, result.warnings)
    result.problems += _adapter_findings(config, environ, installed, result.problems)
    if not result.problems:
        result.config = config
    return result


def check_file(path: Path, *, environ: Mapping[str, str],
               installed: InstalledAdapters | None = None) -> CheckResult:
    """Read and check a school configuration file; every problem is reported, not just the first."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return CheckResult(path, problems=[
            Finding("(bestand)", "bestaat niet", "een pad naar een .toml-bestand")])
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "geen UTF-8-tekst"
        return CheckResult(path, problems=[Finding("(bestand)", f"niet te lezen ({reason})")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        where = f"regel {position.group(1)}, kolom {position.group(2)}" if position else "(bestand)"
        detail = _TOML_POSITION.sub("", str(exc)).strip()
        return CheckResult(path, problems=[Finding(
            where, f"geen geldige TOML ({detail})",
            "sleutel = waarde per regel; tekst tussen aanhalingstekens, bijvoorbeeld brin = \"25AB\"")])
    return check_data(data, path, environ=environ, installed=installed)
