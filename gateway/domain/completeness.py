"""The completeness gate, as pure functions: which fields a melding still misses before it may go.

A melding's content is resolved from three sources, the first that decided a field winning: the
person (console, API), the SIS (``Student`` fields), the profile's defaults. What is still
undecided among the fields its ``Requirements`` name is *missing*: the melding waits for a person
and is never sent with a made-up value (DESIGN.md section 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from gateway.domain.melding_content import FIELD_LABELS, MeldingContent, decided, field_label

EVERY = "*"  # requirements of every melding to a receiver
ADULT = "18+"  # requirements of a melding for a student 18 or older on its trigger date


@dataclass(frozen=True)
class Requirements:
    """Which fields must be decided, per group (``EVERY``, ``ADULT``, a melding kind), and for which
    answers to actie gewenst the toelichting is required."""

    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    toelichting_when: frozenset[bool] = frozenset({True, False})

    def fields_for(self, kind: str, *, adult: bool) -> frozenset[str]:
        """The fields a melding of ``kind`` must have decided."""
        wanted = set(self.groups.get(EVERY, ())) | set(self.groups.get(kind, ()))
        if adult:
            wanted |= self.groups.get(ADULT, frozenset())
        return frozenset(wanted)


def resolve(person: MeldingContent, sis: MeldingContent, defaults: MeldingContent) -> MeldingContent:
    """The content a melding goes out with: the person's, else the SIS's, else the profile's default."""
    return person.over(sis.over(defaults))


def missing_fields(content: MeldingContent, required: Iterable[str], *,
                   enrolled_on: date | None = None,
                   toelichting_when: frozenset[bool] = frozenset({True, False})) -> tuple[str, ...]:
    """The required fields ``content`` leaves undecided, in the order of ``FIELD_LABELS``.

    The toelichting counts only when actie gewenst is answered with one of ``toelichting_when``
    (an unanswered actie gewenst is missing itself); ``enrolled_on`` is the student's fact.
    """
    wanted = set(required)
    out: list[str] = []
    for name in FIELD_LABELS:
        if name not in wanted:
            continue
        if name == "toelichting":
            if content.actie_gewenst is None or content.actie_gewenst not in toelichting_when:
                continue
            if not decided(content.toelichting):
                out.append(name)
        elif name == "enrolled_on":
            if enrolled_on is None:
                out.append(name)
        elif not decided(getattr(content, name)):
            out.append(name)
    return tuple(out)


def describe_missing(names: Iterable[str]) -> str:
    """The Dutch sentence naming what a person must still fill in."""
    labels = [field_label(n) for n in names]
    return "nog in te vullen: " + ", ".join(labels) if labels else "volledig"
