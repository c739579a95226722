"""A school's routing policy: which rule goes by DUO and which by mail, and when a melding falls
back to mail because DUO stays unreachable close to its due date.

Configuration with its one decision: the school's ``[routes]`` and ``[fallback]`` tables are this
module's models, and the worker asks ``RoutingPolicy.decide`` for each delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.domain.calendar import working_days_until
from gateway.domain.errors import ConfigurationError
from gateway.domain.signals import Signal
from gateway.domain.soort_verzuim import ROUTED_AS
from gateway.intake.validation import describe
from gateway.rules.catalogue import MAIL_RECIPIENTS

Route = Literal["duo", "mail"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FallbackPolicy(_Data):
    """Fall back to mail when DUO stays unreachable and the due date is this close.

    "Stays unreachable" is counted: one failed attempt is often a blip that the next retry rides
    out, so the fallback waits for ``after_failed_attempts`` failures in a row of the same melding.
    """

    enabled: bool = True
    within_workdays: int = Field(2, ge=0)
    after_failed_attempts: int = Field(3, ge=1)


class PolicyData(_Data):
    """A school's routing policy as configuration data."""

    default: Route = "duo"
    routes: dict[str, Route] = Field(default_factory=dict)
    fallback: FallbackPolicy = FallbackPolicy()


RouteReason = Literal["policy", "fallback"]


@dataclass(frozen=True)
class RouteDecision:
    """Where a melding goes and why (``fallback`` decisions must be recorded for reconciliation)."""

    route: Route
    reason: RouteReason
    detail: str = ""




@dataclass(frozen=True)
class RoutingPolicy:
    """Per school: which rule goes by DUO and which by mail, and the fallback to mail."""

    default: Route = "duo"
    routes: Mapping[str, Route] = field(default_factory=dict)
    fallback: FallbackPolicy = field(default_factory=FallbackPolicy)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None = None,
                    profile_routes: Mapping[str, Route] | None = None) -> RoutingPolicy:
        """Build from a profile's ``routes`` and a school's configuration (school wins per rule)."""
        try:
            data = PolicyData.model_validate(dict(config or {}))
        except ValidationError as exc:
            raise ConfigurationError(f"routeringsbeleid is ongeldig: {describe(exc)}") from exc
        routes: dict[str, Route] = {**(profile_routes or {}), **data.routes}
        return cls(data.default, routes, data.fallback)

    def route_for(self, signal: Signal) -> Route | None:
        """The agreed route of a signal's rule; None for signals that stay inside the school."""
        if signal.kind == "signaal" or signal.recipient == "school":
            return None
        rule = ROUTED_AS.get(signal.rule, signal.rule)
        return self.routes.get(signal.rule, self.routes.get(rule, self.default))

    def decide(self, signal: Signal, *, as_of: date, duo_failures: int = 0) -> RouteDecision | None:
        """The route for a signal now: the agreed one, or mail as fallback once ``duo_failures``
        (failed DUO attempts in a row for this melding) reaches ``fallback.after_failed_attempts``
        and the due date is within ``fallback.within_workdays`` working days."""
        route = self.route_for(signal)
        if route is None:
            return None
        if route == "mail":
            return RouteDecision("mail", "policy", f"regel {signal.rule} gaat per mail")
        if duo_failures < 1 or not self.fallback.enabled:
            return RouteDecision("duo", "policy")
        return self._after_duo_failures(signal, as_of, duo_failures)

    def _after_duo_failures(self, signal: Signal, as_of: date, duo_failures: int) -> RouteDecision:
        """DUO failed before for this melding: mail when the fallback's conditions all hold."""
        if signal.recipient not in MAIL_RECIPIENTS or signal.due_date is None:
            return RouteDecision("duo", "policy", "geen terugval: ontvanger niet per mail bereikbaar")
        if duo_failures < self.fallback.after_failed_attempts:
            return RouteDecision(
                "duo", "policy",
                f"DUO {duo_failures} keer onbereikbaar; terugval pas na "
                f"{self.fallback.after_failed_attempts} mislukte pogingen op rij",
            )
        left = working_days_until(as_of, signal.due_date)
        if left <= self.fallback.within_workdays:
            return RouteDecision(
                "mail", "fallback",
                f"DUO {duo_failures} keer op rij onbereikbaar en uiterste melddatum "
                f"{signal.due_date.isoformat()} over {left} werkdag(en)",
            )
        return RouteDecision(
            "duo", "policy", f"DUO onbereikbaar; nog {left} werkdagen tot de uiterste melddatum"
        )
