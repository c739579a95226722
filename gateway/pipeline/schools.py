"""Registering a school's configuration (audited, with its diff)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from gateway.config.school import SchoolConfig
from gateway.domain.personal_data import without_personal_data
from gateway.pipeline.batches import open_batch, store_calendar
from gateway.pipeline.gate import GateContext, settle_queue
from gateway.store import audit
from gateway.store import students as students_repo
from gateway.store.engine import Store, utcnow
from gateway.store.schema import schools

# School settings the completeness gate reads (gateway.pipeline.gate).
GATE_KEYS = frozenset({"leslocaties", "contact_name", "contact_function", "contact_phone", "contact_email",
                       "profile", "profile_overrides", "review_required"})
CONFIG_SOURCE = "config"  # the source name of what the school's configuration file delivers


def register_school(store: Store, config: SchoolConfig, actor: str) -> bool:
    """Register or update a school's configuration; a change is an audit entry with its diff.

    A calendar in the configuration is stored as the school's calendar (a source may replace it later).
    """
    new = config.model_dump(mode="json")
    text = json.dumps(new, sort_keys=True)
    with store.write() as conn:
        old_text = conn.scalar(sa.select(schools.c.config).where(schools.c.id == config.id).with_for_update())
        if old_text == text:
            return False
        old = json.loads(old_text) if old_text else {}
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        # No personal data in the audit: contact person and names (school, holidays) stay out of the diff.
        diff = without_personal_data({k: {"oud": old.get(k), "nieuw": new.get(k)} for k in changed})
        if old_text is None:
            conn.execute(schools.insert().values(id=config.id, config=text, updated_at=utcnow()))
        else:
            conn.execute(
                schools.update().where(schools.c.id == config.id).values(config=text, updated_at=utcnow())
            )
            if {"profile", "profile_overrides"} & set(diff):
                students_repo.mark_all_dirty(conn, config.id)
        if config.calendar is not None and "calendar" in diff:
            # The configured calendar counts as a batch of its own, so its history is kept like any other.
            seq = open_batch(conn, config.id, CONFIG_SOURCE, actor, None)
            store_calendar(conn, config.id, config.calendar, seq)
        if old_text is not None and GATE_KEYS.intersection(changed):
            # What the gate reads changed (leslocaties, the melder, the profile): judge the queue again.
            settle_queue(conn, store.cipher, GateContext(config), actor)
        audit.append(
            conn,
            actor=actor,
            action="config.school",
            school_id=config.id,
            subject=config.id,
            data={"diff": diff},
        )
    return True


