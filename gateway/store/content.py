"""A melding's content, encrypted at rest.

Free text may name people, and the phone numbers, the afwijkend adres and the melder's details are
personal data, so the whole content is stored as one AES-GCM value bound to its melding. The shape
is ``gateway.domain.melding_content``'s JSON; content stored before issue 16 (four keys) reads
back with the new fields undecided, except that its concerns, then a set defaulting to empty, were
never asked as a question: an empty list there reads as undecided.
"""

from __future__ import annotations

import json

from gateway.domain.melding_content import MeldingContent, content_from_json, content_to_json
from gateway.store.crypto import FieldCipher


def content_context(melding_id: str) -> str:
    """The associated data that binds a melding's encrypted content to it."""
    return f"content:{melding_id}"


def encode_content(cipher: FieldCipher, melding_id: str, content: MeldingContent) -> str:
    """The encrypted column value for a melding's content."""
    data = {"format": 2, **content_to_json(content)}
    return cipher.encrypt(json.dumps(data, sort_keys=True), content_context(melding_id))


def decode_content(cipher: FieldCipher, melding_id: str, stored: str | None) -> MeldingContent:
    """The content of a melding from its column value (empty when none was set)."""
    if not stored:
        return MeldingContent()
    data = json.loads(cipher.decrypt(stored, content_context(melding_id)))
    if data.pop("format", 1) == 1 and not data.get("concerns"):
        data.pop("concerns", None)
    return content_from_json(data)
