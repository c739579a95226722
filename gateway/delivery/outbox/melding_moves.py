"""Status moves of many meldingen at once, for the worker's batches: the same guarded moves as
``gateway.store.meldingen.guarded_move`` (lifecycle-checked, only from the given states), done
in one statement for a whole batch instead of one per melding.

Callers hold the meldingen's locks (``rows.Locked``) already.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from gateway.domain.errors import IllegalTransition
from gateway.domain.lifecycle import State, allowed_from
from gateway.store.engine import utcnow
from gateway.store.schema import meldingen


def _sources(target: State, sources: Sequence[State]) -> tuple[str, ...]:
    names = tuple(s.value for s in sources)
    if not set(names) <= set(allowed_from(target)):
        raise IllegalTransition(f"melding kan niet van {names} naar '{target}'")
    return names


def guarded_move_many(
    conn: sa.Connection, melding_ids: Sequence[str], target: State, sources: Sequence[State], **values: Any
) -> int:
    """Move every given melding that is in one of ``sources`` to ``target`` (with ``values``), in one
    statement; the others are left alone. Returns how many moved."""
    names = _sources(target, sources)
    result = conn.execute(
        meldingen.update()
        .where(meldingen.c.id.in_(list(melding_ids)), meldingen.c.status.in_(names))
        .values(status=target.value, updated_at=utcnow(), **values)
    )
    return int(result.rowcount)


@lru_cache(maxsize=32)
def _move_or_note(target: str, sources: tuple[str, ...], columns: tuple[str, ...]) -> sa.Update:
    # One bound value per source state: an expanding IN cannot be run for many rows at once.
    moves = sa.or_(*(meldingen.c.status == sa.literal(name) for name in sources))
    return (
        meldingen.update()
        .where(meldingen.c.id == sa.bindparam("p_mid"))
        .values(
            # Both CASEs read the row as it was: the status and updated_at change together or not at all.
            status=sa.case((moves, target), else_=meldingen.c.status),
            updated_at=sa.case((moves, sa.bindparam("p_now")), else_=meldingen.c.updated_at),
            **{c: sa.bindparam(f"p_{c}") for c in columns},
        )
    )


def move_or_note_each(
    conn: sa.Connection,
    changes: Sequence[tuple[str, dict[str, Any]]],
    target: State,
    sources: Sequence[State],
) -> None:
    """For each (melding id, values): move it to ``target`` when it is in one of ``sources``, and
    write ``values`` either way (``guarded_move``, else ``note``); one statement run for all
    (values of one shape per call)."""
    if not changes:
        return
    columns = tuple(sorted(changes[0][1]))
    if any(tuple(sorted(values)) != columns for _, values in changes):
        raise ValueError("move_or_note_each: every melding needs the same columns")
    statement = _move_or_note(target.value, _sources(target, sources), columns)
    now = utcnow()
    params = [
        {"p_mid": mid, "p_now": now, **{f"p_{k}": v for k, v in values.items()}} for mid, values in changes
    ]
    conn.execute(statement, params[0] if len(params) == 1 else params)
