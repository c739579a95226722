"""The output of the rules engine: one signal per rule firing (pinned fields, DESIGN.md section 4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

SignalKind = Literal["melding", "taak", "signaal"]

# Namespace for message ids derived from business ids, so a retry never mints a fresh id.
MESSAGE_ID_NAMESPACE = uuid.UUID("6f1d2b9e-5c0a-4f59-9d3c-7a1e0c4b8d21")


@dataclass(frozen=True)
class Signal:
    """One rule firing for one student, with everything needed to explain and deliver it."""

    rule: str
    kind: SignalKind
    student_id: str
    recipient: str
    trigger_date: date
    period_start: date
    period_end: date | None
    due_date: date | None
    hours: float | None
    actie_gewenst: bool | None
    legal_basis: str
    evidence: tuple[str, ...]
    explanation: str = ""
    profile: str = ""
    profile_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def business_id(self) -> str:
        """Stable identity of the melding: student, rule and period (unique in the store)."""
        period = f"{self.period_start.isoformat()}|{self.trigger_date.isoformat()}"
        return f"{self.student_id}|{self.rule}|{period}"

    @property
    def message_id(self) -> str:
        """Stable message id derived from the business id (the same on every attempt)."""
        return str(uuid.uuid5(MESSAGE_ID_NAMESPACE, self.business_id))

    def to_json(self) -> dict[str, Any]:
        """The pinned JSON shape of DESIGN.md section 4, plus the explanation and profile stamp."""
        return {
            "rule": self.rule,
            "kind": self.kind,
            "student_id": self.student_id,
            "recipient": self.recipient,
            "trigger_date": self.trigger_date.isoformat(),
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "hours": self.hours,
            "actie_gewenst": self.actie_gewenst,
            "legal_basis": self.legal_basis,
            "evidence": list(self.evidence),
            "explanation": self.explanation,
            "profile": self.profile,
            "profile_version": self.profile_version,
        }
