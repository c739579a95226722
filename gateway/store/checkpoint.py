"""Signed checkpoints of the audit chain, kept outside the database.

The chain alone cannot show that its tail was cut: delete the newest entries and rewrite
``audit_head``, and what is left still verifies. A checkpoint anchors the chain outside the
database: the newest entry's sequence number (= the number of entries) and hash, the time and the
gateway, signed with an Ed25519 key from a file (``checkpoint_keys``). Verifying the chain against
a checkpoint then finds a cut tail, and a history rewritten before the checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.domain.errors import IntegrityError, InvalidInput
from gateway.store import audit
from gateway.store.checkpoint_keys import SigningKey, key_id
from gateway.store.engine import Store
from gateway.store.schema import audit_log

FORMAT = "verzuim-gateway/audit-checkpoint/1"
FILE_PREFIX = "audit-checkpoint-"


@dataclass(frozen=True)
class Checkpoint:
    """What is signed: the chain's newest entry (seq = number of entries) and hash, when, by whom."""

    seq: int
    hash: str
    created_at: str  # ISO 8601 in UTC with its offset
    gateway: str
    key_id: str
    format: str = FORMAT

    def signed_bytes(self) -> bytes:
        """The canonical form the signature covers."""
        return audit.canonical_json(asdict(self)).encode()


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint and its Ed25519 signature (base64)."""

    checkpoint: Checkpoint
    signature: str

    def to_json(self) -> str:
        """The checkpoint file's text."""
        return json.dumps({**asdict(self.checkpoint), "signature": self.signature}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> SignedCheckpoint:
        """Parse a checkpoint file; ``where`` names it in the message when it is malformed."""
        try:
            fields: dict[str, Any] = json.loads(text)
            signature = fields.pop("signature")
            checkpoint = Checkpoint(**fields)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InvalidInput("geen leesbaar auditcontrolepunt", where=where) from exc
        well_typed = isinstance(checkpoint.seq, int) and isinstance(signature, str)
        if checkpoint.format != FORMAT or not well_typed:
            raise InvalidInput(f"onbekend controlepuntformaat (verwacht {FORMAT})", where=where)
        return cls(checkpoint, signature)


def take(store: Store, key: SigningKey, *, gateway: str, now: datetime) -> SignedCheckpoint:
    """Verify the whole chain, then sign its head; a broken chain is refused, never signed."""
    result = audit.verify(store)
    if not result.ok:
        raise IntegrityError(
            f"auditlog gebroken bij regel {result.first_broken}: {result.problem}; geen controlepunt gemaakt"
        )
    checkpoint = Checkpoint(
        seq=result.entries,
        hash=result.head_hash,
        created_at=now.astimezone(UTC).isoformat(timespec="seconds"),
        gateway=gateway,
        key_id=key.key_id,
    )
    signature = key.private.sign(checkpoint.signed_bytes())
    return SignedCheckpoint(checkpoint, base64.b64encode(signature).decode("ascii"))


def write(signed: SignedCheckpoint, out: Path) -> Path:
    """Write to ``out``, or into it as a timestamped file when it is a folder; returns the file."""
    if out.is_dir():
        stamp = datetime.fromisoformat(signed.checkpoint.created_at).strftime("%Y%m%dT%H%M%SZ")
        out = out / f"{FILE_PREFIX}{stamp}-{signed.checkpoint.seq}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed: a shipper watching the folder never picks up half a file.
    partial = out.with_name(f".{out.name}.part")
    partial.write_text(signed.to_json(), encoding="utf-8")
    os.replace(partial, out)
    return out


def read(path: Path) -> SignedCheckpoint:
    """A checkpoint file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("auditcontrolepunt niet te lezen", where=str(path)) from exc
    return SignedCheckpoint.from_json(text, str(path))


def check_signature(signed: SignedCheckpoint, public: Ed25519PublicKey) -> None:
    """Raise ``IntegrityError`` unless ``public`` signed exactly this checkpoint."""
    expected = key_id(public)
    if signed.checkpoint.key_id != expected:
        raise IntegrityError(
            f"controlepunt is getekend met sleutel {signed.checkpoint.key_id}, "
            f"de opgegeven publieke sleutel is {expected}"
        )
    try:
        public.verify(base64.b64decode(signed.signature, validate=True), signed.checkpoint.signed_bytes())
    except (InvalidSignature, binascii.Error) as exc:
        raise IntegrityError("handtekening van het controlepunt klopt niet: het is gewijzigd") from exc


def verify_against(store: Store, signed: SignedCheckpoint, public: Ed25519PublicKey) -> audit.Verification:
    """Check the signature (``IntegrityError`` if it fails), the chain, and that the chain still holds
    the checkpoint's entry with the checkpoint's hash."""
    check_signature(signed, public)
    result = audit.verify(store)
    if not result.ok:
        return result
    cp = signed.checkpoint
    if result.entries < cp.seq:
        return audit.Verification(
            result.entries,
            result.entries + 1,
            f"keten ingekort: het controlepunt van {cp.created_at} telde {cp.seq} regels, "
            f"de database heeft er nog {result.entries}",
        )
    if cp.seq and _hash_at(store, cp.seq) != cp.hash:
        return audit.Verification(
            result.entries,
            cp.seq,
            f"regel {cp.seq} wijkt af van het controlepunt van {cp.created_at}: "
            "de geschiedenis tot daar is herschreven",
        )
    return result


def _hash_at(store: Store, seq: int) -> str | None:
    with store.read() as conn:
        found = conn.execute(sa.select(audit_log.c.hash).where(audit_log.c.seq == seq)).scalar()
    return None if found is None else str(found)


@dataclass(frozen=True)
class CheckpointSchedule:
    """Where and how often a worker writes checkpoints, and what it signs them with."""

    folder: Path
    key: SigningKey
    every: timedelta
    gateway: str

    def write_now(self, store: Store, now: datetime) -> Path:
        """Take a checkpoint and write it into the folder."""
        return write(take(store, self.key, gateway=self.gateway, now=now), self.folder)
