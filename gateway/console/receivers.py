"""Receiver keys: Leerplicht, RMC, the DSP (or DUO) report outcomes with a key of their organisation.

A key reads ``vr_<key id>_<secret>`` (32 random bytes, so SHA-256 is enough); only the hash is
stored. The organisation name starts with its kind (``dsp-kop-van-nh``, ``leerplicht-0344``,
``rmc-utrecht``, ``duo``), which decides the meldingen it may report on (``may_report_on``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from gateway.console.schema import receiver_keys
from gateway.errors import InvalidInput
from gateway.store import Store, utcnow

ORGANISATION_RE = re.compile(r"^(leerplicht|rmc|dsp|duo)(-[a-z0-9][a-z0-9-]{0,55})?$")
# Organisation kind -> melding recipients it may report on; the DSP also on every no-show melding.
SCOPE: dict[str, frozenset[str]] = {
    "leerplicht": frozenset({"leerplicht"}),
    "rmc": frozenset({"rmc", "dsp"}),
    "dsp": frozenset({"dsp"}),
    "duo": frozenset({"leerplicht", "rmc", "dsp", "duo-ib"}),
}


@dataclass(frozen=True)
class ReceiverKey:
    """A stored receiver key (without its secret)."""

    key_id: str
    organisation: str
    label: str
    created_at: datetime
    revoked: bool


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def organisation_kind(organisation: str) -> str:
    """``dsp-kop-van-nh`` -> ``dsp``."""
    return organisation.split("-", 1)[0]


def may_report_on(organisation: str, recipient: str, rule: str) -> bool:
    """Whether ``organisation`` may report the outcome of a melding for ``recipient`` by ``rule``."""
    kind = organisation_kind(organisation)
    if kind == "dsp" and rule == "no-show":
        return True
    return recipient in SCOPE.get(kind, frozenset())


def create_receiver_key(store: Store, organisation: str, label: str = "") -> tuple[ReceiverKey, str]:
    """A new key for a receiving organisation; returns the stored entry and the key (shown once)."""
    if not ORGANISATION_RE.match(organisation):
        raise InvalidInput("organisatie moet beginnen met leerplicht, rmc, dsp of duo "
                           "(bijv. dsp-kop-van-nh, leerplicht-0344)", "organisation")
    key_id = secrets.token_hex(4)
    key = f"vr_{key_id}_{secrets.token_urlsafe(32)}"
    entry = ReceiverKey(key_id, organisation, label, utcnow(), False)
    with store.write() as conn:
        conn.execute(receiver_keys.insert().values(key_id=key_id, organisation=organisation,
                                                   sha256=_digest(key), label=label,
                                                   created_at=entry.created_at, revoked=False))
    return entry, key


def list_receiver_keys(store: Store) -> list[ReceiverKey]:
    """Every receiver key (no secrets)."""
    with store.read() as conn:
        rows = conn.execute(sa.select(receiver_keys).order_by(receiver_keys.c.organisation,
                                                               receiver_keys.c.created_at))
        return [ReceiverKey(r.key_id, r.organisation, r.label, r.created_at, bool(r.revoked)) for r in rows]


def revoke_receiver_key(store: Store, key_id: str) -> bool:
    """Revoke a receiver key; False when there is none with that id."""
    with store.write() as conn:
        done = conn.execute(receiver_keys.update().where(receiver_keys.c.key_id == key_id)
                            .values(revoked=True))
    return bool(done.rowcount)


def organisation_of(store: Store, key: str) -> str | None:
    """The organisation a presented key belongs to; None for an unknown or revoked key."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "vr":
        return None
    with store.read() as conn:
        row = conn.execute(sa.select(receiver_keys).where(receiver_keys.c.key_id == parts[1])).one_or_none()
    if row is None or row.revoked or not secrets.compare_digest(row.sha256, _digest(key)):
        return None
    return str(row.organisation)
