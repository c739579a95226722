"""The checkpoint signing key: made once on first use, private (0600), its public key beside it."""

from __future__ import annotations

import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from gateway.domain.errors import ConfigurationError
from gateway.store.checkpoint_keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    key_id,
    load_public_key,
    signing_key,
)


def test_first_use_makes_a_private_key_0600_and_its_public_key_beside_it(tmp_path):
    """The key file is readable by its owner only; the public key file holds the same key."""
    key = signing_key(tmp_path)
    assert key.created and key.path == tmp_path / PRIVATE_KEY_FILE
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    assert key_id(load_public_key(tmp_path / PUBLIC_KEY_FILE)) == key.key_id


def test_later_use_loads_the_same_key(tmp_path):
    """A second call finds the key instead of making a new one."""
    first = signing_key(tmp_path)
    again = signing_key(tmp_path)
    assert (again.created, again.key_id) == (False, first.key_id)


def test_a_lost_public_key_file_is_written_again(tmp_path):
    """The public key is rebuilt from the private key when its file went missing."""
    key = signing_key(tmp_path)
    key.public_path.unlink()
    signing_key(tmp_path)
    assert key_id(load_public_key(key.public_path)) == key.key_id


def test_a_key_others_can_read_is_refused(tmp_path):
    """A group- or world-readable signing key is refused, saying how to fix it."""
    key = signing_key(tmp_path)
    key.path.chmod(0o640)
    with pytest.raises(ConfigurationError, match=r"leesbaar voor anderen.*chmod 600"):
        signing_key(tmp_path)


def test_a_key_that_is_not_ed25519_is_refused(tmp_path):
    """An RSA key in the key file is not used for signing."""
    pem = generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / PRIVATE_KEY_FILE
    path.write_bytes(pem)
    path.chmod(0o600)
    with pytest.raises(ConfigurationError, match="Ed25519"):
        signing_key(tmp_path)


def test_a_missing_public_key_is_named(tmp_path):
    """Verifying without the public key file says which file is missing."""
    with pytest.raises(ConfigurationError, match="pub: publieke sleutel niet gevonden"):
        load_public_key(tmp_path / "weg.pub")


def test_a_public_key_file_that_is_no_pem_is_refused(tmp_path):
    """A public key file with other content is refused."""
    path = tmp_path / "kapot.pub"
    path.write_text("geen sleutel", encoding="ascii")
    with pytest.raises(ConfigurationError, match="geen leesbare publieke sleutel"):
        load_public_key(path)
