"""The use cases the faces call: register a school, ingest a batch, evaluate, review, feedback.

``ingest`` and ``evaluate`` are the two entry points the sync command and the push API call. Each
use case lives in its own module; this package names them all, so a face imports ``pipeline``.
"""

from __future__ import annotations

from gateway.pipeline.content import EDITABLE, ContentReview, content_review, save_content
from gateway.pipeline.decisions import DecisionContext, apply_signals, mapping_stamps
from gateway.pipeline.evaluation import EvaluationResult, evaluate
from gateway.pipeline.ingest import MAX_SOURCE_NAME, IngestResult, ingest
from gateway.pipeline.manual import Filed, ManualRequest, file_manual
from gateway.pipeline.review import approve, record_feedback, withdraw
from gateway.pipeline.schools import CONFIG_SOURCE, register_school

__all__ = [
    "CONFIG_SOURCE",
    "EDITABLE",
    "MAX_SOURCE_NAME",
    "ContentReview",
    "DecisionContext",
    "EvaluationResult",
    "Filed",
    "IngestResult",
    "ManualRequest",
    "apply_signals",
    "approve",
    "content_review",
    "evaluate",
    "file_manual",
    "ingest",
    "mapping_stamps",
    "record_feedback",
    "register_school",
    "save_content",
    "withdraw",
]
