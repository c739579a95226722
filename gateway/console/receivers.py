"""Receiver keys: Leerplicht, RMC, the DSP (or DUO) report outcomes with a key of their organisation.

A key reads ``vr_<key id>_<secret>`` (32 random bytes, so SHA-256 is enough); only the hash is
stored. The organisation name is its kind and its area: ``leerplicht-<gemeentecode>``,
``rmc-<region>``, ``dsp-<region>`` (regions and gemeenten as the recipient directory defines them),
or ``duo``. The kind decides which meldingen it may report on (``may_report_on``), the area whose
students (``covers_woongemeente``): a gemeente's Leerplicht only on students living there, a
region's RMC and DSP only on students living in one of its gemeenten; DUO is not bound to an area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from gateway.access_keys import issue_key, key_id_of, key_matches
from gateway.delivery.routing import DirectoryData
from gateway.domain.errors import InvalidInput
from gateway.domain.model import GEMEENTE_CODE_PATTERN
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN
from gateway.rules.catalogue import OUTSIDE_RECIPIENTS
from gateway.store import Store, audit, utcnow
from gateway.store.face_tables import receiver_keys

ORGANISATION_RE = re.compile(r"^(?:duo|(?:leerplicht|rmc|dsp)-[a-z0-9][a-z0-9-]{0,55})$")
GEMEENTE_RE = re.compile(GEMEENTE_CODE_PATTERN)
# Organisation kind -> melding recipients it may report on; the DSP also on every no-show melding.
SCOPE: dict[str, frozenset[str]] = {
    "leerplicht": frozenset({"leerplicht"}),
    "rmc": frozenset({"rmc", "dsp"}),
    "dsp": frozenset({"dsp"}),
    "duo": OUTSIDE_RECIPIENTS,
}
# Kinds whose keys are not bound to a gemeente or region.
AREA_FREE = frozenset({"duo"})
# Kinds that speak for a gemeente (Leerplicht, RMC): the Besluit asks them a reason when they close.
GEMEENTE_KINDS = frozenset({"leerplicht", "rmc"})


@dataclass(frozen=True)
class ReceiverKey:
    """A stored receiver key (without its secret)."""

    key_id: str
    organisation: str
    label: str
    created_at: datetime
    revoked: bool


def organisation_kind(organisation: str) -> str:
    """``dsp-kop-van-nh`` -> ``dsp``."""
    return organisation.split("-", 1)[0]


def organisation_area(organisation: str) -> str | None:
    """``dsp-kop-van-nh`` -> ``kop-van-nh``, ``leerplicht-0344`` -> ``0344``; None for ``duo``."""
    if organisation_kind(organisation) in AREA_FREE:
        return None
    return organisation.partition("-")[2]


def may_report_on(organisation: str, recipient: str, rule: str) -> bool:
    """Whether the organisation's kind may report the outcome of a melding for ``recipient`` by ``rule``."""
    kind = organisation_kind(organisation)
    if kind == "dsp" and rule in NO_SHOW_MELDINGEN:
        return True
    return recipient in SCOPE.get(kind, frozenset())


def speaks_for_gemeente(organisation: str) -> bool:
    """Whether the organisation is a gemeente's Leerplicht or RMC (not a DSP, not DUO)."""
    return organisation_kind(organisation) in GEMEENTE_KINDS


def area_unknown(organisation: str, directory: DirectoryData) -> str | None:
    """Why the directory does not know the organisation's gemeente or region (Dutch); None if it does."""
    area = organisation_area(organisation)
    if area is None:
        return None
    if organisation_kind(organisation) == "leerplicht":
        if area not in directory.region_of_gemeente:
            return f"gemeente '{area}' van {organisation} staat niet in het ontvangersregister"
        return None
    if area not in directory.regions:
        known = ", ".join(sorted(directory.regions)) or "geen"
        return (f"regio '{area}' van {organisation} staat niet in het ontvangersregister "
                f"(bekende regio's: {known})")
    return None


def covers_woongemeente(organisation: str, woongemeente: str | None, directory: DirectoryData) -> bool:
    """Whether a student living in ``woongemeente`` lies in the organisation's area (DUO: always)."""
    area = organisation_area(organisation)
    if area is None:
        return True
    if woongemeente is None:  # a student without woongemeente is in nobody's area
        return False
    if organisation_kind(organisation) == "leerplicht":
        return woongemeente == area
    return directory.region_of_gemeente.get(woongemeente) == area


def create_receiver_key(store: Store, organisation: str, label: str = "", *, actor: str,
                        directory: DirectoryData | None) -> tuple[ReceiverKey, str]:
    """A new key for a receiving organisation; returns the stored entry and the key (shown once).

    With ``directory`` the organisation's gemeente or region must be in it. Audited (no secret).
    """
    if not ORGANISATION_RE.match(organisation):
        raise InvalidInput(f"organisatie '{organisation}' moet leerplicht-<gemeentecode>, rmc-<regio>, "
                           "dsp-<regio> of duo zijn (bijv. dsp-kop-van-nh, leerplicht-0344)")
    if organisation_kind(organisation) == "leerplicht" and not GEMEENTE_RE.match(
            organisation_area(organisation) or ""):
        raise InvalidInput(f"organisatie '{organisation}': leerplicht hoort bij een gemeente, "
                           "leerplicht-<CBS-code van 4 cijfers> (bijv. leerplicht-0344)")
    if directory is not None and (problem := area_unknown(organisation, directory)) is not None:
        raise InvalidInput(problem)
    issued = issue_key("vr")
    entry = ReceiverKey(issued.key_id, organisation, label, utcnow(), False)
    with store.write() as conn:
        conn.execute(receiver_keys.insert().values(key_id=issued.key_id, organisation=organisation,
                                                   sha256=issued.sha256, label=label,
                                                   created_at=entry.created_at, revoked=False))
        audit.append(conn, actor=actor, action="ontvanger-sleutel.aangemaakt", subject=issued.key_id,
                     data={"organisatie": organisation, "label": label})
    return entry, issued.key


def list_receiver_keys(store: Store) -> list[ReceiverKey]:
    """Every receiver key (no secrets)."""
    with store.read() as conn:
        rows = conn.execute(sa.select(receiver_keys).order_by(receiver_keys.c.organisation,
                                                               receiver_keys.c.created_at))
        return [ReceiverKey(r.key_id, r.organisation, r.label, r.created_at, bool(r.revoked)) for r in rows]


def revoke_receiver_key(store: Store, key_id: str, *, actor: str) -> bool:
    """Revoke a receiver key (audited the first time); False when there is none with that id."""
    with store.write() as conn:
        row = conn.execute(sa.select(receiver_keys.c.organisation, receiver_keys.c.revoked)
                           .where(receiver_keys.c.key_id == key_id)).one_or_none()
        if row is None:
            return False
        if not row.revoked:
            conn.execute(receiver_keys.update().where(receiver_keys.c.key_id == key_id).values(revoked=True))
            audit.append(conn, actor=actor, action="ontvanger-sleutel.ingetrokken", subject=key_id,
                         data={"organisatie": row.organisation})
    return True


def organisation_of(store: Store, key: str) -> str | None:
    """The organisation a presented key belongs to; None for an unknown or revoked key."""
    key_id = key_id_of(key, "vr")
    if key_id is None:
        return None
    with store.read() as conn:
        row = conn.execute(sa.select(receiver_keys).where(receiver_keys.c.key_id == key_id)).one_or_none()
    if row is None or row.revoked or not key_matches(row.sha256, key):
        return None
    return str(row.organisation)
