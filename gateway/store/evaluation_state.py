"""Yesterday's evaluation of a school, kept so the daily job re-reads only what changed.

The state is what every student's records count as per school day (``gateway.rules.frame.day_counts``)
up to batch ``watermark``, with the students it was made for and a digest of each one's rule facts.
It is valid only for what it was computed with (``valid_for``: calendar, late limit, format); when
that changed, or anything deleted records (retention), it is dropped and made again from the store.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from gateway.logging import get_logger
from gateway.store.engine import utcnow
from gateway.store.schema import evaluation_state

log = get_logger(__name__)


@dataclass(frozen=True)
class EvaluationState:
    """Day counts ``[matrix, school day, student]`` of ``student_ids`` up to batch ``watermark``."""

    watermark: int
    student_ids: list[str]
    facts_digests: npt.NDArray[np.uint64]
    counts: npt.NDArray[np.int64]


_SMALL = (np.uint8, np.uint16, np.uint32)


def _narrow(matrix: npt.NDArray[np.int64]) -> npt.NDArray[np.generic]:
    """The matrix in the smallest unsigned type that holds it: counts per lesson day are small, and
    the state is written every day (uncompressed, so reading it back costs next to nothing)."""
    top = int(matrix.max()) if matrix.size else 0
    if matrix.size and int(matrix.min()) < 0:
        return matrix
    return next((matrix.astype(t) for t in _SMALL if top <= np.iinfo(t).max), matrix)


def _pack(state: EvaluationState) -> bytes:
    buffer = io.BytesIO()
    matrices = {f"m{i}": _narrow(state.counts[i]) for i in range(state.counts.shape[0])}
    np.savez(buffer, ids=np.array("\n".join(state.student_ids).encode()), facts=state.facts_digests,
             watermark=np.array(state.watermark), **matrices)  # type: ignore[arg-type]
    return buffer.getvalue()


def _unpack(data: bytes) -> EvaluationState:
    with np.load(io.BytesIO(data)) as parts:
        text = bytes(parts["ids"]).decode()
        n = sum(1 for name in parts.files if name.startswith("m"))
        return EvaluationState(
            watermark=int(parts["watermark"]),
            student_ids=text.split("\n") if text else [],
            facts_digests=parts["facts"].astype(np.uint64),
            counts=np.stack([parts[f"m{i}"].astype(np.int64) for i in range(n)]),
        )


def load(conn: sa.Connection, school_id: str, valid_for: str) -> EvaluationState | None:
    """The school's kept state, or None when there is none or it was made for something else."""
    row = conn.execute(sa.select(evaluation_state.c.valid_for, evaluation_state.c.data)
                       .where(evaluation_state.c.school_id == school_id)).one_or_none()
    if row is None or row.valid_for != valid_for:
        return None
    try:
        return _unpack(row.data)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile):
        # Unreadable (damaged, or written by another version): the evaluation reads the store instead.
        log.warning("evaluation_state_unreadable", school=school_id)
        return None


def save(conn: sa.Connection, school_id: str, valid_for: str, state: EvaluationState) -> None:
    """Keep ``state`` as the school's, replacing the one before."""
    values = {"valid_for": valid_for, "watermark": state.watermark, "data": _pack(state),
              "updated_at": utcnow()}
    done = conn.execute(evaluation_state.update().where(evaluation_state.c.school_id == school_id)
                        .values(**values)).rowcount
    if not done:
        conn.execute(evaluation_state.insert().values(school_id=school_id, **values))


def forget(conn: sa.Connection, school_id: str) -> None:
    """Drop the school's kept state (records were deleted: the next evaluation reads the store)."""
    conn.execute(evaluation_state.delete().where(evaluation_state.c.school_id == school_id))
