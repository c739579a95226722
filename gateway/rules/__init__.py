"""The verzuim rules engine: one module per rule of DESIGN.md section 3, named after the rule.

``evaluate`` is the entry point; ``evaluate_columns`` is the bulk path on columnar attendance.
"""

from gateway.rules.catalogue import RULE_IDS
from gateway.rules.engine import evaluate, evaluate_columns

__all__ = ["RULE_IDS", "evaluate", "evaluate_columns"]
