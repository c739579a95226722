"""Per student and school day what the records count as, brought up to date from yesterday's state.

The first evaluation reads every record once, grouped in SQL; after that only records stored since
the kept state's batch are read: new ones are added, and a student with a record changed, withdrawn
or moved is counted again from the store. The result equals counting every record afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from gateway.domain.calendar import SchoolCalendar
from gateway.domain.reasons import AUTHORISED, REASON_INDEX
from gateway.rules.frame import MATRICES, GroupedAttendance, add_day_counts, grouped_from_rows, new_day_counts
from gateway.store import attendance_columns as columns_repo
from gateway.store.attendance_columns import GroupRow
from gateway.store.evaluation_state import EvaluationState

# Bump when what a record counts as changes in code (classes, matrices), so kept states are remade.
STATE_FORMAT = "2"


def valid_for(calendar_text: str, late_minutes: int) -> str:
    """What a kept state depends on besides the records: format, calendar, late limit, reason codes."""
    reasons = ",".join(f"{r}={REASON_INDEX[r]}" for r in sorted(REASON_INDEX))
    text = "|".join((STATE_FORMAT, ",".join(MATRICES), str(late_minutes), ",".join(sorted(AUTHORISED)),
                     reasons, calendar_text))
    return hashlib.sha256(text.encode()).hexdigest()


def facts_digests(facts: Iterable[str]) -> npt.NDArray[np.uint64]:
    """A short digest of each student's stored rule facts (to see whose changed since yesterday)."""
    digests = (hashlib.blake2b(f.encode(), digest_size=8).digest() for f in facts)
    return np.array([int.from_bytes(d, "big") for d in digests], dtype=np.uint64)


@dataclass(frozen=True)
class CurrentCounts:
    """The counts of every student of the school now, and what changed since the kept state."""

    counts: npt.NDArray[np.int64]  # [matrix, school day, student]
    recounted: frozenset[str]      # students counted again from the store (changed, withdrawn, moved)
    from_scratch: bool             # no usable state: everything was read
    batches: list[int]             # the batches stored since the state (none when read from scratch)


def _groups(chunks: Iterable[list[GroupRow]], index: dict[str, int]) -> GroupedAttendance:
    parts = [grouped_from_rows(chunk, index) for chunk in chunks]
    if not parts:
        return grouped_from_rows([], index)
    return GroupedAttendance(*(np.concatenate([getattr(p, f) for p in parts])
                               for f in GroupedAttendance.__dataclass_fields__))


def _reindexed(state: EvaluationState, ids: Sequence[str], calendar: SchoolCalendar) -> npt.NDArray[np.int64]:
    """The kept counts laid out for ``ids`` (new students start at zero, gone ones are dropped)."""
    if state.student_ids == list(ids):
        return state.counts
    counts = new_day_counts(calendar, len(ids))
    old = {sid: i for i, sid in enumerate(state.student_ids)}
    pairs = [(i, old[sid]) for i, sid in enumerate(ids) if sid in old]
    if pairs:
        new_pos, old_pos = (np.array(p, dtype=np.int64) for p in zip(*pairs, strict=True))
        counts[:, :, new_pos] = state.counts[:, :, old_pos]
    return counts


def current_counts(  # noqa: PLR0913  the school, its students, and the state to start from
    conn: sa.Connection, school_id: str, calendar: SchoolCalendar, ids: Sequence[str], *,
    state: EvaluationState | None, late_minutes: int,
) -> CurrentCounts:
    """Counts of ``ids`` (the school's students, sorted) over every school day, of every record stored."""
    index = {sid: i for i, sid in enumerate(ids)}
    if state is None:
        counts = new_day_counts(calendar, len(ids))
        add_day_counts(counts, calendar, _groups(columns_repo.grouped_all(conn, school_id), index),
                       late_minutes)
        return CurrentCounts(counts, frozenset(), True, [])
    counts = _reindexed(state, ids, calendar)
    batches = columns_repo.batches_since(conn, school_id, state.watermark)
    recount = sorted(columns_repo.corrected_students(conn, school_id, batches) & index.keys())
    if batches:
        added = _groups(columns_repo.grouped_new(conn, school_id, batches), index)
        # A recounted student's new records come with the recount.
        keep = ~np.isin(added.student, np.array([index[s] for s in recount], dtype=np.int32))
        added = GroupedAttendance(*(getattr(added, f)[keep] for f in GroupedAttendance.__dataclass_fields__))
        add_day_counts(counts, calendar, added, late_minutes)
    if recount:
        positions = np.array([index[s] for s in recount], dtype=np.int64)
        counts[:, :, positions] = 0
        again = _groups(columns_repo.grouped_of(conn, school_id, recount), index)
        add_day_counts(counts, calendar, again, late_minutes)
    return CurrentCounts(counts, frozenset(recount), False, batches)
