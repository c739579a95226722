"""What a person fills in on a melding: read it with the gate's verdict, and save it.

Before release the melding keeps the person's own content; the gate (``gateway.pipeline.gate``)
resolves the rest. A released melding that has not gone out yet (``klaar``, ``opnieuw``,
``onbestelbaar``) keeps its frozen content: a change is applied on top of it and must leave it
complete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from gateway.config.school import SchoolConfig, load_school
from gateway.domain.completeness import describe_missing
from gateway.domain.errors import GatewayError, IncompleteMelding, InvalidInput
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import MeldingContent, Verzuimspecificatie, specification_from_json
from gateway.domain.soort_verzuim import Soort, vermoedelijke_soort
from gateway.pipeline.gate import GateContext, judge_melding, settle
from gateway.store import Store, audit
from gateway.store.content import decode_content, encode_content
from gateway.store.meldingen import lock_status, note
from gateway.store.schema import meldingen

EDITABLE = frozenset({State.CONCEPT, State.KLAAR, State.OPNIEUW, State.ONBESTELBAAR})


@dataclass(frozen=True)
class ContentReview:
    """A melding's content as a reviewer sees it: what is stored, what it resolves to, what is
    missing, the computed specification and the vermoedelijke soort."""

    stored: MeldingContent
    resolved: MeldingContent
    missing: tuple[str, ...]
    specification: Verzuimspecificatie | None
    soort: Soort | None
    editable: bool


def _owned_status(conn: sa.Connection, school_id: str, melding_id: str, *, lock: bool = True) -> State:
    row = conn.execute(sa.select(meldingen.c.school_id, meldingen.c.status)
                       .where(meldingen.c.id == melding_id)).one_or_none()
    if row is None or row.school_id != school_id:
        raise GatewayError(f"melding {melding_id} bestaat niet bij school {school_id}")
    return lock_status(conn, melding_id) if lock else State(row.status)


def content_review(store: Store, school_id: str, melding_id: str) -> ContentReview:
    """The content of a melding with the gate's verdict (an intern melding has nothing to judge)."""
    with store.read() as conn:
        status = _owned_status(conn, school_id, melding_id, lock=False)
        row = conn.execute(sa.select(meldingen.c.content, meldingen.c.specification, meldingen.c.rule,
                                     meldingen.c.route).where(meldingen.c.id == melding_id)).one()
        stored = decode_content(store.cipher, melding_id, row.content)
        spec = specification_from_json(json.loads(row.specification or "null"))
        if row.route is None:
            return ContentReview(stored, stored, (), spec, vermoedelijke_soort(row.rule), editable=False)
        judgement = judge_melding(conn, store.cipher, GateContext(load_school(conn, school_id)), melding_id)
    missing = judgement.missing if status is State.CONCEPT else ()
    return ContentReview(stored, judgement.content if status is State.CONCEPT else stored, missing, spec,
                         vermoedelijke_soort(row.rule), editable=status in EDITABLE)


def check_leslocatie(config: SchoolConfig, content: MeldingContent) -> None:
    """A leslocatie a person names must be one of the school's list (Besluit: from a list it keeps)."""
    if content.leslocatie is None or content.leslocatie in config.leslocaties:
        return
    known = ", ".join(config.leslocaties) or "geen: stel ze in bij de school (leslocaties)"
    raise InvalidInput(f"onbekende leslocatie '{content.leslocatie}' (bekend: {known})", "leslocatie")


def save_content(store: Store, school_id: str, melding_id: str, content: MeldingContent,
                 actor: str) -> tuple[str, ...]:
    """Store what a person filled in on a melding not yet sent; returns the fields still missing
    (the melding may have been released when its profile lets it go without review). Audited with
    the field names only."""
    with store.write() as conn:
        status = _owned_status(conn, school_id, melding_id)
        if status not in EDITABLE:
            raise InvalidInput(f"melding met status '{status}' kan niet meer worden aangepast", "status")
        config = load_school(conn, school_id)
        check_leslocatie(config, content)
        gate = GateContext(config)
        if status is State.CONCEPT:
            note(conn, melding_id, content=encode_content(store.cipher, melding_id, content))
            judgement = settle(conn, store.cipher, gate, melding_id, actor)
            missing = judgement.missing if judgement is not None else ()
        else:
            stored = conn.scalar(sa.select(meldingen.c.content).where(meldingen.c.id == melding_id))
            frozen = decode_content(store.cipher, melding_id, stored)
            verdict = judge_melding(conn, store.cipher, gate, melding_id, person=content.over(frozen))
            if verdict.missing:
                raise IncompleteMelding(f"de melding is al vrijgegeven en moet volledig blijven; "
                                        f"{describe_missing(verdict.missing)}", verdict.missing)
            note(conn, melding_id, content=encode_content(store.cipher, melding_id, verdict.content),
                 leslocatie=verdict.content.leslocatie)
            missing = ()
        audit.append(conn, actor=actor, action="melding.inhoud", school_id=school_id, subject=melding_id,
                     data={"velden": list(content.decided_fields()), "ontbreekt": list(missing)})
    return missing
