"""The small protocols between the core and its adapters (ports and adapters).

A *source* yields canonical records since a cursor; a *channel* delivers one melding and returns
a receipt or raises a classified ``DeliveryError`` (see ``gateway.domain.errors``). Adapters register
factories under the entry point groups named here, so a vendor can ship one as its own package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from gateway.domain.melding_content import CONCERNS, MeldingContent, Verzuimspecificatie
from gateway.domain.model import AttendanceRecord, Calendar, Student
from gateway.domain.progress import Progress, no_progress
from gateway.domain.signals import Signal

SOURCES_GROUP = "verzuim_gateway.sources"
CHANNELS_GROUP = "verzuim_gateway.channels"
SANDBOXES_GROUP = "verzuim_gateway.sandboxes"
COMMANDS_GROUP = "verzuim_gateway.commands"


# --- sources ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceProblem:
    """A record a source could not map; it is held back, never guessed."""

    where: str
    message: str
    record_id: str | None = None


@dataclass(frozen=True)
class SourceBatch:
    """What one pull from a source yields: canonical data since the cursor, and the next cursor."""

    students: list[Student] = field(default_factory=list)
    records: list[AttendanceRecord] = field(default_factory=list)
    withdrawn_record_ids: list[str] = field(default_factory=list)
    calendar: Calendar | None = None
    cursor: str | None = None
    problems: list[SourceProblem] = field(default_factory=list)
    # The version of the code mapping the adapter applied (``CodeMapping.stamp``); decisions on
    # these records are stamped with it. None for sources that deliver canonical reasons as they are.
    mapping: str | None = None


@runtime_checkable
class Source(Protocol):
    """A school information system, read through one adapter."""

    name: str

    def fetch(self, cursor: str | None, progress: Progress = no_progress) -> SourceBatch:
        """Return what changed since ``cursor`` (None: everything the source offers); ``progress``
        hears how far the pull is, in the adapter's own units (students, export files)."""
        ...


class SourceFactory(Protocol):
    """Entry point ``verzuim_gateway.sources``: build a source from its configuration."""

    def __call__(self, config: Mapping[str, Any]) -> Source: ...


# --- channels --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolIdentity:
    """The sending school, as a receiver must see it."""

    brin: str
    oin: str
    name: str
    location: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_function: str | None = None


@dataclass(frozen=True)
class StudentDetails:
    """Personal data a melding needs; never logged, encrypted at rest."""

    student_id: str
    birth_date: date
    bsn: str | None = None
    onderwijsnummer: str | None = None
    given_names: str | None = None
    family_name: str | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    woongemeente: str | None = None
    crebo: str | None = None
    opleiding: str | None = None
    leerjaar: int | None = None
    leerweg: str | None = None
    niveau: int | None = None
    phone: str | None = None
    leslocatie: str | None = None
    enrolled_on: date | None = None


@dataclass(frozen=True)
class RecipientAddress:
    """Where a mail-channel melding goes: an address and the certificate to encrypt to (PEM)."""

    organisation: str
    email: str
    certificate_pem: bytes


@dataclass(frozen=True)
class OutgoingMelding:
    """One melding as a channel receives it: stable ids, the parties, the signal, the content."""

    melding_id: str
    message_id: str
    school: SchoolIdentity
    student: StudentDetails
    signal: Signal
    # The content as released: resolved from person, SIS and profile, checked complete by the gate.
    content: MeldingContent = field(default_factory=MeldingContent)
    recipients: tuple[RecipientAddress, ...] = ()
    created_at: datetime | None = None
    # Verzuimdagen, verzuimuren and alle lessen gemist, computed from the evidence (None: not computed,
    # a melding stored before issue 16).
    specification: Verzuimspecificatie | None = None


@dataclass(frozen=True)
class Receipt:
    """The receiver's acknowledgement of one delivery (or withdrawal)."""

    message_id: str
    channel: str
    receiver_reference: str | None
    received_at: datetime
    status: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class StatusReport:
    """What the receiver knows of a message id: used to resolve an in-doubt delivery."""

    message_id: str
    found: bool
    receiver_reference: str | None = None
    status: str | None = None


@runtime_checkable
class Channel(Protocol):
    """A delivery route to a receiver; raises a ``DeliveryError`` subclass on failure.

    A worker may call one channel from several threads at once: channels must be thread-safe."""

    name: str

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        """Deliver one melding; idempotent by its ``message_id`` at the receiver."""
        ...

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        """Withdraw a melding delivered earlier (status Ingetrokken)."""
        ...

    def status(self, melding: OutgoingMelding) -> StatusReport | None:
        """Ask the receiver about this melding; None when the channel cannot tell."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class ChannelFactory(Protocol):
    """Entry point ``verzuim_gateway.channels``: build a channel from its configuration."""

    def __call__(self, config: Mapping[str, Any]) -> Channel: ...


__all__ = ["CONCERNS", "MeldingContent", "Verzuimspecificatie"]  # re-exported for the adapters
