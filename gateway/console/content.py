"""What the verzuimcoördinator adds to a melding (actie gewenst, toelichting, concerns, actions).

Kept encrypted in the melding's ``content`` column (``gateway.store.content``), which the worker
reads for the channel. Editable while the melding has not gone out.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from gateway.domain.errors import GatewayError, InvalidInput
from gateway.domain.lifecycle import State
from gateway.domain.ports import CONCERNS, MeldingContent
from gateway.store import Store, audit, utcnow
from gateway.store.content import decode_content, encode_content
from gateway.store.meldingen import lock_status
from gateway.store.schema import meldingen

EDITABLE = frozenset({State.CONCEPT, State.KLAAR, State.OPNIEUW, State.ONBESTELBAAR})
MAX_TOELICHTING = 2000
MAX_ACTIONS = 20
MAX_ACTION_LENGTH = 200


def content_of(store: Store, school_id: str, melding_id: str) -> MeldingContent:
    """The stored content of a melding (empty when none was set)."""
    with store.read() as conn:
        text = conn.scalar(sa.select(meldingen.c.content).where(meldingen.c.id == melding_id,
                                                                meldingen.c.school_id == school_id))
    return decode_content(store.cipher, melding_id, text)


def build_content(actie_gewenst: bool | None, toelichting: str | None, concerns: Sequence[str],
                  actions_taken: Sequence[str]) -> MeldingContent:
    """Validate form input into content; problems name the field (Dutch)."""
    text = (toelichting or "").strip() or None
    if text is not None and len(text) > MAX_TOELICHTING:
        raise InvalidInput(f"toelichting is langer dan {MAX_TOELICHTING} tekens", "toelichting")
    if actie_gewenst and text is None:
        raise InvalidInput("geef een toelichting bij 'actie gewenst'", "toelichting")
    unknown = sorted(set(concerns) - set(CONCERNS))
    if unknown:
        raise InvalidInput(f"onbekende zorg: {', '.join(unknown)}", "concerns")
    actions = tuple(a.strip() for a in actions_taken if a.strip())
    if len(actions) > MAX_ACTIONS or any(len(a) > MAX_ACTION_LENGTH for a in actions):
        raise InvalidInput(f"hoogstens {MAX_ACTIONS} acties van elk {MAX_ACTION_LENGTH} tekens",
                           "actions_taken")
    return MeldingContent(actie_gewenst=actie_gewenst, toelichting=text, concerns=frozenset(concerns),
                          actions_taken=actions)


def save_content(store: Store, school_id: str, melding_id: str, content: MeldingContent, actor: str) -> None:
    """Store the content of a melding not yet sent; audited (which fields, not their text)."""
    with store.write() as conn:
        owner = conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == melding_id))
        if owner != school_id:
            raise GatewayError(f"melding {melding_id} bestaat niet bij school {school_id}")
        status = lock_status(conn, melding_id)
        if status not in EDITABLE:
            raise InvalidInput(f"melding met status '{status}' kan niet meer worden aangepast", "status")
        conn.execute(meldingen.update().where(meldingen.c.id == melding_id)
                     .values(content=encode_content(store.cipher, melding_id, content), updated_at=utcnow()))
        audit.append(conn, actor=actor, action="melding.inhoud", school_id=school_id, subject=melding_id,
                     data={"actie_gewenst": content.actie_gewenst,
                           "toelichting_gezet": bool(content.toelichting),
                           "zorgen": sorted(content.concerns), "acties": len(content.actions_taken)})
