"""Vendor absence codes mapped to canonical reasons, as data (``mappings/codes/<vendor>.toml``).

A mapping file has two tables: ``codes`` (the school-defined reason code -> a canonical reason, or
one of the special values below) and ``kinds`` (the vendor's kind of registration -> what it is:
``absent``, ``late``, ``present`` or ``ignore``). A school may override single entries, from a file
``mappings/codes/overrides/<school>/<vendor>.toml`` or inline. An unmapped code is an
``UnmappedCode`` error naming the code and where it occurs; callers hold such records back.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import mappings
from gateway.domain.errors import ConfigurationError, InvalidInput
from gateway.domain.model import MAX_MINUTES_LATE
from gateway.domain.reasons import ALL_REASONS

DEFAULT_CODES_DIR: Final = mappings.folder("codes")

# Special code values next to the canonical reasons.
NOT_VERZUIM: Final = "geen_verzuim"  # a registration that is not verzuim (homework forgotten): dropped
LATE: Final = "te_laat"  # a late arrival without a reason of its own
CODE_VALUES: Final = ALL_REASONS | {NOT_VERZUIM, LATE}

# Minutes a late registration without minutes of its own counts as (``[defaults] late_minutes``):
# within the national limit of 10, so one late arrival, never a lesson missed.
DEFAULT_LATE_MINUTES: Final = 5

Kind = Literal["absent", "late", "present", "ignore"]
KIND_VALUES: Final = frozenset({"absent", "late", "present", "ignore"})


class UnmappedCode(InvalidInput):
    """A vendor code (or kind) has no mapping; the records carrying it are held back."""

    def __init__(self, vendor: str, table: str, code: str, where: str) -> None:
        self.vendor = vendor
        self.table = table
        self.code = code
        what = "afwezigheidscode" if table == "codes" else "soort registratie"
        super().__init__(
            f"onbekende {what} '{code}' van {vendor}; voeg hem toe aan mappings/codes/{vendor}.toml "
            f"of aan de uitzonderingen van de school (tabel [{table}]); de registratie is tegengehouden",
            where=where,
        )


def normalise_code(code: str) -> str:
    """Codes are compared trimmed and case-insensitively (vendors pad them with spaces)."""
    return code.strip().upper()


@dataclass(frozen=True)
class CodeMapping:
    """One vendor's code table with a school's overrides applied; ``stamp`` versions decisions."""

    vendor: str
    version: str
    codes: Mapping[str, str]
    kinds: Mapping[str, str]
    sources: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def stamp(self) -> str:
        """Vendor, version and a digest of the effective tables, so an override changes the stamp."""
        payload = json.dumps({"codes": dict(self.codes), "kinds": dict(self.kinds),
                              "defaults": dict(self.defaults)}, sort_keys=True)
        digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
        return f"{self.vendor}@{self.version}+{digest}"

    def reason(self, code: str | None, where: str) -> str | None:
        """Canonical reason, ``NOT_VERZUIM`` or ``LATE`` for ``code``; None for an empty code."""
        if code is None or not code.strip():
            return None
        key = normalise_code(code)
        if key not in self.codes:
            raise UnmappedCode(self.vendor, "codes", code.strip(), where)
        return self.codes[key]

    def kind(self, kind: str, where: str) -> Kind:
        """What a vendor registration kind is: absent, late, present or ignore."""
        key = str(kind).strip().lower()
        value = self.kinds.get(key)
        if value is None:
            raise UnmappedCode(self.vendor, "kinds", str(kind).strip(), where)
        return value  # type: ignore[return-value]  # validated on load

    def codes_for(self, reason: str) -> list[str]:
        """Vendor codes that map to ``reason`` (for stand-ins rendering canonical data)."""
        return [code for code, value in self.codes.items() if value == reason]


def late_minutes(mapping: CodeMapping) -> int:
    """Minutes a late registration without minutes of its own counts as: ``[defaults] late_minutes``
    of the school's code table. A school that only registers long lateness as late can set it above
    its profile's limit, so those lessons count as missed."""
    value = mapping.defaults.get("late_minutes", DEFAULT_LATE_MINUTES)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MINUTES_LATE:
        raise ConfigurationError(
            f"codetabel {mapping.vendor}: late_minutes = {value!r} is geen aantal minuten "
            f"(1 tot en met {MAX_MINUTES_LATE})")
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"codetabel {path}: geen geldige TOML ({exc})") from exc
    except OSError as exc:
        raise ConfigurationError(f"codetabel {path} is niet te lezen ({exc.strerror})") from exc


def _table(data: Mapping[str, Any], name: str, where: str) -> dict[str, str]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{where}: [{name}] moet een tabel zijn")
    allowed = CODE_VALUES if name == "codes" else KIND_VALUES
    result: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or value not in allowed:
            raise ConfigurationError(
                f"{where}: [{name}] {key} = {value!r} is geen geldige waarde "
                f"(toegestaan: {', '.join(sorted(allowed))})"
            )
        result[normalise_code(key) if name == "codes" else str(key).strip().lower()] = value
    return result


def _split_inline(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Accept ``{"codes": {...}}`` or dotted ``{"codes.XY": "ziek"}`` forms."""
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        if "." in key:
            head, _, rest = key.partition(".")
            nested.setdefault(head, {})[rest] = value
        elif isinstance(value, Mapping):
            nested.setdefault(key, {}).update(value)
        else:
            nested.setdefault("defaults", {})[key] = value
    return nested


def load_code_mapping(
    vendor: str,
    school: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    directory: Path = DEFAULT_CODES_DIR,
) -> CodeMapping:
    """Load ``<vendor>.toml`` and apply the school's override file and inline overrides, in that order."""
    path = directory / f"{vendor}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.toml"))) or "geen"
        raise ConfigurationError(f"geen codetabel voor '{vendor}' in {directory} (wel: {known})")
    data = _read_toml(path)
    version = str(data.get("version", "0"))
    codes = _table(data, "codes", path.name)
    kinds = _table(data, "kinds", path.name)
    defaults = dict(data.get("defaults", {}))
    sources = [path.name]
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if school:
        school_file = directory / "overrides" / school / f"{vendor}.toml"
        if school_file.is_file():
            layers.append((f"overrides/{school}/{vendor}.toml", _read_toml(school_file)))
    if overrides:
        layers.append(("inline", _split_inline(overrides)))
    for where, layer in layers:
        codes.update(_table(layer, "codes", where))
        kinds.update(_table(layer, "kinds", where))
        defaults.update(dict(layer.get("defaults", {})))
        sources.append(where)
    return CodeMapping(vendor=vendor, version=version, codes=codes, kinds=kinds,
                       sources=tuple(sources), defaults=defaults)
