"""The Ed25519 key that signs audit checkpoints, kept in files outside the database.

The private key (``audit-checkpoint.key``, PEM, mode 0600) lives in the data folder and is made on
first use; its public key (``audit-checkpoint.pub``) is written beside it, so that a verifier who
holds only the public key (a copy kept off this host) can check a checkpoint.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway.domain.errors import ConfigurationError

PRIVATE_KEY_FILE = "audit-checkpoint.key"
PUBLIC_KEY_FILE = "audit-checkpoint.pub"


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: ``ed25519:`` and the first 16 hex digits of its SHA-256."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"ed25519:{hashlib.sha256(raw).hexdigest()[:16]}"


def public_pem(public: Ed25519PublicKey) -> str:
    """The public key as PEM text."""
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The private key, where it lives, and whether this call just made it."""

    private: Ed25519PrivateKey
    path: Path
    created: bool = False

    @property
    def public(self) -> Ed25519PublicKey:
        """Its public key."""
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        """The fingerprint a checkpoint names."""
        return key_id(self.public)

    @property
    def public_path(self) -> Path:
        """The public key file beside it."""
        return self.path.with_name(PUBLIC_KEY_FILE)


def signing_key(data_dir: Path) -> SigningKey:
    """The data folder's signing key; made (0600, public key beside it) when there is none yet."""
    path = data_dir / PRIVATE_KEY_FILE
    if path.exists():
        key = SigningKey(_load_private(path), path)
    else:
        key = SigningKey(_create_private(path), path, created=True)
    if not key.public_path.exists():  # a lost public file is rebuilt from the private key
        key.public_path.write_text(public_pem(key.public), encoding="ascii")
    return key


def _create_private(path: Path) -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return private


def _load_private(path: Path) -> Ed25519PrivateKey:
    # Like ssh: a signing key others can read proves nothing, so refuse it rather than sign with it.
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{path}: ondertekensleutel is leesbaar voor anderen; zet de rechten op 0600 (chmod 600)"
        )
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise ConfigurationError(f"{path}: geen leesbare ondertekensleutel (PEM)") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigurationError(f"{path}: ondertekensleutel moet een Ed25519-sleutel zijn")
    return private


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file (the verifier's copy)."""
    try:
        public = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path}: publieke sleutel niet gevonden") from exc
    except ValueError as exc:
        raise ConfigurationError(f"{path}: geen leesbare publieke sleutel (PEM)") from exc
    if not isinstance(public, Ed25519PublicKey):
        raise ConfigurationError(f"{path}: publieke sleutel moet een Ed25519-sleutel zijn")
    return public
