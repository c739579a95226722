"""What the stand-in keeps of a registered melding, and how its status moves on over time.

A melding is Geregistreerd on arrival, becomes In behandeling and then Afgesloten (with a reden and
a toelichting code of the Besluit) after configurable times on the stand-in's clock, so the
gateway's status poll sees statuses change. Tests and the demo may also set a status explicitly
(``VerzuimloketStandin.set_status``, ``POST /_admin/status``); a withdrawal always wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

GEREGISTREERD = "Geregistreerd"
IN_BEHANDELING = "In behandeling"
AFGESLOTEN = "Afgesloten"
INGETROKKEN = "Ingetrokken"
STATUS_FLOW = (GEREGISTREERD, IN_BEHANDELING, AFGESLOTEN)
# Every status DUO may report (the XSD's StatusMelding): what the admin endpoint accepts.
DUO_STATUSES = frozenset({*STATUS_FLOW, "Ter kennisgeving aangenomen", INGETROKKEN,
                          "Overgedragen aan derden"})


@dataclass(frozen=True)
class StatusPlan:
    """When a registered melding moves on, counted from its registration: ``(status, after)``
    steps in order, and the codes an Afgesloten melding carries."""

    steps: tuple[tuple[str, timedelta], ...] = ()
    reden: str = "terug_naar_school"
    toelichting: str = "gezien_door_gemeente"

    @classmethod
    def timed(cls, *, step: timedelta | None, in_behandeling_after: timedelta | None,
              afgesloten_after: timedelta | None, reden: str, toelichting: str) -> StatusPlan:
        """The plan of a stand-in's settings: the two explicit times when given, else one ``step``
        per status (``None`` or zero: statuses stay Geregistreerd)."""
        if in_behandeling_after is None and afgesloten_after is None:
            if step is None or step.total_seconds() <= 0:
                return cls((), reden, toelichting)
            in_behandeling_after, afgesloten_after = step, 2 * step
        steps = tuple((status, after) for status, after in
                      ((IN_BEHANDELING, in_behandeling_after), (AFGESLOTEN, afgesloten_after))
                      if after is not None)
        return cls(tuple(sorted(steps, key=lambda pair: pair[1])), reden, toelichting)


@dataclass(frozen=True)
class StatusSet:
    """A status set explicitly (admin endpoint or a test), from ``at`` on."""

    status: str
    at: datetime
    reden: str | None = None
    toelichting: str | None = None


class StatusSeen(NamedTuple):
    """A melding's status as seen at a moment: the value, when it last changed, and for Afgesloten
    the reden and toelichting codes."""

    status: str
    changed: datetime
    reden: str | None = None
    toelichting: str | None = None


@dataclass
class Registration:
    """One melding as the stand-in holds it."""

    kenmerk: str
    message_id: str
    school_oin: str
    meldingsnummer: str
    registered_at: datetime
    verzuimsoort: str
    version: str = "V2"  # the contract version it was sent in
    document: dict[str, Any] = field(default_factory=dict)  # what it carried (received.py)
    withdrawn_at: datetime | None = None
    status_set: StatusSet | None = None

    def status_at(self, now: datetime, plan: StatusPlan | None = None) -> StatusSeen:
        """The status and when it last changed, as seen at ``now`` (no plan: it stays as it is)."""
        plan = plan or StatusPlan()
        if self.withdrawn_at is not None:
            return StatusSeen(INGETROKKEN, self.withdrawn_at)
        if self.status_set is not None and self.status_set.at <= now:
            chosen = self.status_set
            return StatusSeen(chosen.status, chosen.at, chosen.reden, chosen.toelichting)
        seen = StatusSeen(GEREGISTREERD, self.registered_at)
        for status, after in plan.steps:
            if self.registered_at + after <= now:
                seen = StatusSeen(status, self.registered_at + after)
        if seen.status == AFGESLOTEN:
            return StatusSeen(AFGESLOTEN, seen.changed, plan.reden, plan.toelichting)
        return seen
