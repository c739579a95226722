"""The coordinator's content of a melding, encrypted at rest.

The toelichting and the actions taken are free text that may name people, so the whole content
is stored as one AES-GCM value bound to its melding.
"""

from __future__ import annotations

import json

from gateway.domain.ports import MeldingContent
from gateway.store.crypto import FieldCipher


def content_context(melding_id: str) -> str:
    """The associated data that binds a melding's encrypted content to it."""
    return f"content:{melding_id}"


def encode_content(cipher: FieldCipher, melding_id: str, content: MeldingContent) -> str:
    """The encrypted column value for a melding's content."""
    data = {"actie_gewenst": content.actie_gewenst, "toelichting": content.toelichting,
            "concerns": sorted(content.concerns), "actions_taken": list(content.actions_taken)}
    return cipher.encrypt(json.dumps(data, sort_keys=True), content_context(melding_id))


def decode_content(cipher: FieldCipher, melding_id: str, stored: str | None) -> MeldingContent:
    """The content of a melding from its column value (empty when none was set)."""
    if not stored:
        return MeldingContent()
    data = json.loads(cipher.decrypt(stored, content_context(melding_id)))
    return MeldingContent(actie_gewenst=data.get("actie_gewenst"), toelichting=data.get("toelichting"),
                          concerns=frozenset(data.get("concerns", ())),
                          actions_taken=tuple(data.get("actions_taken", ())))
