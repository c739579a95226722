"""AES-GCM encryption of personal data fields, with a key id on each value for rotation.

A value is stored as ``v1.<key id>.<base64(nonce || ciphertext+tag)>``; the associated data binds
it to its row, so a ciphertext copied to another student does not decrypt.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.domain.errors import ConfigurationError, IntegrityError

KEY_BYTES = 32  # AES-256: the length of every field-encryption key
# The form of a key id. Messages name an id only in this form: a malformed "id" is often a key
# pasted in the wrong place, and a base64 key of 32 bytes ends in "=", so it never is one.
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
KEY_ID_RULE = "1 tot 16 letters, cijfers, '-' of '_'"
_PREFIX = "v1"
_NONCE_BYTES = 12
# Keys for the blind index of students' names are derived, never the encryption keys themselves.
_SEARCH_KEY_INFO = b"verzuim-gateway student-names"


class FieldCipher:
    """Encrypts with the active key; decrypts with whichever key id a value names."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str | None) -> None:
        if not keys:
            raise ConfigurationError(
                "geen versleutelsleutel ingesteld (VERZUIM_KEYS of keys.toml in de datamap; "
                "'verzuim-gateway db init' maakt er een)"
            )
        for kid, key in keys.items():
            if not KEY_ID.match(kid):
                raise ConfigurationError(f"een sleutel-id is ongeldig ({KEY_ID_RULE})")
            if len(key) != KEY_BYTES:
                raise ConfigurationError(f"sleutel '{kid}' moet {KEY_BYTES} bytes zijn (AES-256)")
        active = active_key_id or sorted(keys)[-1]
        if not KEY_ID.match(active):
            raise ConfigurationError(f"de actieve sleutel-id is ongeldig ({KEY_ID_RULE})")
        if active not in keys:
            raise ConfigurationError(f"actieve sleutel '{active}' ontbreekt")
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self._search_keys = {kid: _derive_search_key(key) for kid, key in keys.items()}
        self.active_key_id = active

    def search_keys(self) -> dict[str, bytes]:
        """Per key id, the HMAC key of the students' name index (HKDF-SHA256 of that key)."""
        return dict(self._search_keys)

    def encrypt(self, plaintext: str, context: str) -> str:
        """Encrypt ``plaintext`` bound to ``context`` (e.g. school and student id)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead[self.active_key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.prefix_of(self.active_key_id)}{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        """Decrypt a value made by ``encrypt``; raises ``IntegrityError`` when it does not verify."""
        prefix, _, rest = token.partition(".")
        kid, _, body = rest.partition(".")
        if prefix != _PREFIX or not body:
            raise IntegrityError("versleutelde waarde heeft een onbekend formaat")
        aead = self._aead.get(kid)
        if aead is None:
            raise IntegrityError(f"sleutel '{kid}' voor een versleutelde waarde ontbreekt")
        try:
            raw = base64.b64decode(body, validate=True)
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise IntegrityError("versleutelde waarde is beschadigd of hoort bij een andere rij") from exc

    @staticmethod
    def prefix_of(key_id: str) -> str:
        """How every value encrypted with ``key_id`` begins (to find values under other keys)."""
        return f"{_PREFIX}.{key_id}."

    @staticmethod
    def key_id_of(token: str) -> str:
        """The key id a stored value was encrypted with (to find values needing re-encryption)."""
        return token.split(".", 2)[1]


def _derive_search_key(key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_SEARCH_KEY_INFO).derive(key)
