"""The output of the rules engine: one signal per rule firing (pinned fields, DESIGN.md section 4)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

SignalKind = Literal["melding", "taak", "signaal"]

# Namespace for message ids derived from business ids, so a retry never mints a fresh id.
MESSAGE_ID_NAMESPACE = uuid.UUID("6f1d2b9e-5c0a-4f59-9d3c-7a1e0c4b8d21")


def business_id(student_id: str, rule: str, period_start: date, trigger_date: date) -> str:
    """Stable identity of a melding: student, rule and period (unique in the store)."""
    return f"{student_id}|{rule}|{period_start.isoformat()}|{trigger_date.isoformat()}"


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
        return business_id(self.student_id, self.rule, self.period_start, self.trigger_date)

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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Signal:
        """The signal ``to_json`` wrote (``extra`` is not part of it: it comes back empty)."""
        return cls(
            rule=data["rule"],
            kind=data["kind"],
            student_id=data["student_id"],
            recipient=data["recipient"],
            trigger_date=date.fromisoformat(data["trigger_date"]),
            period_start=date.fromisoformat(data["period_start"]),
            period_end=_day(data.get("period_end")),
            due_date=_day(data.get("due_date")),
            hours=data.get("hours"),
            actie_gewenst=data.get("actie_gewenst"),
            legal_basis=data.get("legal_basis", ""),
            evidence=tuple(data.get("evidence", ())),
            explanation=data.get("explanation", ""),
            profile=data.get("profile", ""),
            profile_version=data.get("profile_version", ""),
        )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
