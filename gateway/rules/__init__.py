"""The verzuim rules engine: one module per rule of DESIGN.md section 3, named after the rule.

``evaluate`` is the entry point; ``evaluate_columns`` is the bulk path on columnar attendance.
"""

from gateway.rules.catalogue import RULE_IDS
from gateway.rules.engine import evaluate, evaluate_columns, evaluate_frame
from gateway.rules.frame import AttendanceColumns, EvaluationFrame, columns_from_records

__all__ = [
    "RULE_IDS", "AttendanceColumns", "EvaluationFrame", "columns_from_records", "evaluate",
    "evaluate_columns", "evaluate_frame",
]
