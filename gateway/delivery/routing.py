"""The recipient directory: who receives a melding that goes by mail.

The directory is data (``mappings/recipients/*.toml``, one file per RMC region): for each gemeente
(4-digit CBS code) its Leerplicht department, for each region its RMC desk and Doorstroompunt.
Entries name their S/MIME certificate by file name; the files live in a certificate folder given
at load time (only public certificates; the demo and test PKI writes them).

Which channel a melding takes is the school's routing policy (``gateway.config.routes``).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import mappings
from gateway.domain.age import ADULT_AGE
from gateway.domain.errors import ConfigurationError, RoutingError
from gateway.domain.mail_address import MAIL_ADDRESS_PATTERN
from gateway.domain.model import GEMEENTE_CODE_PATTERN
from gateway.domain.ports import RecipientAddress
from gateway.domain.signals import Signal
from gateway.intake.validation import describe
from gateway.rules.catalogue import MAIL_RECIPIENTS

DEFAULT_DIRECTORY = mappings.folder("recipients")


# --- the directory data ----------------------------------------------------------------------


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AddressEntry(_Data):
    """One receiving desk: organisation, mailbox and the file name of its S/MIME certificate."""

    organisation: str = Field(min_length=1)
    email: str = Field(pattern=MAIL_ADDRESS_PATTERN)
    certificate: str = Field(min_length=1, pattern=r"^[\w.-]+$")


class GemeenteEntry(_Data):
    """A gemeente of the region and its Leerplicht department."""

    name: str = Field(min_length=1)
    leerplicht: AddressEntry


class RegionInfo(_Data):
    """An RMC region: its RMC desk and (optionally) its Doorstroompunt."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    rmc: AddressEntry
    dsp: AddressEntry | None = None


class RegionFile(_Data):
    """One ``mappings/recipients/<region>.toml`` file."""

    region: RegionInfo
    gemeenten: dict[str, GemeenteEntry] = Field(default_factory=dict)


@dataclass(frozen=True)
class DirectoryData:
    """The parsed directory before certificates are resolved (what ``load_directory_data`` yields)."""

    regions: dict[str, RegionFile]
    region_of_gemeente: dict[str, str]
    version: str

    def entries(self) -> Iterator[tuple[str, AddressEntry]]:
        """Every address entry with a label (``leerplicht:0400``, ``rmc:<region>``, ``dsp:<region>``)."""
        for region_id, region in sorted(self.regions.items()):
            yield f"rmc:{region_id}", region.region.rmc
            if region.region.dsp is not None:
                yield f"dsp:{region_id}", region.region.dsp
            for code, gemeente in sorted(region.gemeenten.items()):
                yield f"leerplicht:{code}", gemeente.leerplicht


def _region_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if files:
            return files
    raise ConfigurationError(f"ontvangersregister niet gevonden: {path} (verwacht *.toml)")


def load_directory_data(path: Path = DEFAULT_DIRECTORY) -> DirectoryData:
    """Parse and check the region files under ``path`` (a folder of TOML files, or one file)."""
    regions: dict[str, RegionFile] = {}
    region_of: dict[str, str] = {}
    digest = hashlib.sha256()
    for file in _region_files(path):
        raw = file.read_bytes()
        digest.update(file.name.encode() + b"\0" + raw)
        try:
            parsed = RegionFile.model_validate(tomllib.loads(raw.decode("utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"ontvangersregister {file.name}: geen geldige TOML ({exc})") from exc
        except ValidationError as exc:
            raise ConfigurationError(f"ontvangersregister {file.name} is ongeldig: {describe(exc)}") from exc
        region_id = parsed.region.id
        if region_id in regions:
            raise ConfigurationError(
                f"ontvangersregister {file.name}: regio '{region_id}' staat er twee keer in"
            )
        for code in parsed.gemeenten:
            if not re.fullmatch(GEMEENTE_CODE_PATTERN, code):
                raise ConfigurationError(
                    f"ontvangersregister {file.name}: gemeentecode '{code}' is geen CBS-code van 4 cijfers"
                )
            if code in region_of:
                raise ConfigurationError(
                    f"ontvangersregister {file.name}: gemeente {code} hoort al bij regio '{region_of[code]}'"
                )
            region_of[code] = region_id
        regions[region_id] = parsed
    return DirectoryData(regions, region_of, digest.hexdigest()[:12])


# --- the resolved directory ------------------------------------------------------------------


def _read_certificate(cert_dir: Path, name: str, label: str) -> bytes:
    path = cert_dir / name
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"certificaat '{name}' voor {label} niet gevonden in {cert_dir}") from exc
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise ConfigurationError(f"certificaat '{name}' voor {label} is geen PEM-certificaat")
    if b"PRIVATE KEY" in pem:
        raise ConfigurationError(f"bestand '{name}' voor {label} bevat een privésleutel; alleen certificaten")
    return pem


@dataclass(frozen=True)
class RecipientDirectory:
    """Recipient addresses by gemeente and region, with their certificates loaded."""

    data: DirectoryData
    addresses: Mapping[str, RecipientAddress]

    @classmethod
    def load(cls, path: Path = DEFAULT_DIRECTORY, *, cert_dir: Path) -> RecipientDirectory:
        """Load the region files under ``path``; certificate names resolve against ``cert_dir``."""
        data = load_directory_data(path)
        addresses = {
            label: RecipientAddress(
                organisation=entry.organisation,
                email=entry.email,
                certificate_pem=_read_certificate(cert_dir, entry.certificate, label),
            )
            for label, entry in data.entries()
        }
        return cls(data, addresses)

    @property
    def version(self) -> str:
        """A digest of the directory data, to stamp routing decisions with."""
        return self.data.version

    def region_of(self, woongemeente: str) -> str:
        """The RMC region a gemeente belongs to; RoutingError naming the gemeente if unknown."""
        try:
            return self.data.region_of_gemeente[woongemeente]
        except KeyError:
            raise RoutingError(
                f"onbekende woongemeente '{woongemeente}': niet in het ontvangersregister; "
                "de melding blijft in de outbox tot de gemeente is toegevoegd"
            ) from None

    def leerplicht(self, woongemeente: str) -> RecipientAddress:
        """The Leerplicht department of a gemeente."""
        self.region_of(woongemeente)
        return self.addresses[f"leerplicht:{woongemeente}"]

    def rmc(self, woongemeente: str) -> RecipientAddress:
        """The RMC desk of the gemeente's region."""
        return self.addresses[f"rmc:{self.region_of(woongemeente)}"]

    def dsp(self, woongemeente: str) -> RecipientAddress:
        """The Doorstroompunt of the gemeente's region (its RMC desk when the region has none)."""
        region = self.region_of(woongemeente)
        return self.addresses.get(f"dsp:{region}") or self.addresses[f"rmc:{region}"]

    def route(self, signal: Signal, woongemeente: str | None, age: int) -> list[RecipientAddress]:
        """The mail recipients of a melding, from the signal's recipient, the woongemeente and age.

        ``leerplicht`` goes to the gemeente's Leerplicht department, ``rmc`` and ``dsp`` to the
        region's desk; a student of 18 or older is no longer the gemeente's Leerplicht case, so
        ``leerplicht`` then goes to the RMC and ``dsp`` under 18 goes to Leerplicht.
        """
        if signal.recipient not in MAIL_RECIPIENTS:
            raise RoutingError(
                f"ontvanger '{signal.recipient}' ({signal.rule}) kan niet per mail: "
                f"alleen {', '.join(MAIL_RECIPIENTS)}"
            )
        if not woongemeente:
            raise RoutingError(
                f"woongemeente van de leerling ontbreekt; melding {signal.rule} niet te routeren"
            )
        adult = age >= ADULT_AGE
        if signal.recipient == "rmc" or (signal.recipient == "leerplicht" and adult):
            return [self.rmc(woongemeente)]
        if signal.recipient == "dsp" and adult:
            return [self.dsp(woongemeente)]
        return [self.leerplicht(woongemeente)]
