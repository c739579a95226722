"""The school revises a delivered melding: a student reported for 16 hours turns out to have been
ill. The SIS stand-in then shows every absence of that student as ``ziek``, the next sync brings the
corrections in, the signal disappears, and the gateway withdraws the melding at DUO."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from demo.college import Location
from demo.progress import DemoFailure
from demo.services import Services
from gateway.domain.lifecycle import State
from gateway.store import Store, list_meldingen
from gateway.testing.synthetic import SyntheticSchool

REVISED_RULE = "verzuim-16u"


def pick_melding(store: Store, location: Location, school: SyntheticSchool) -> tuple[str, str]:
    """A delivered 16-uur melding whose student has no other melding: (melding id, synthetic id)."""
    by_store_id = {f"{location.brin}-{number}": sid for sid, number in school.numbers.items()}
    views = list_meldingen(store, location.key, limit=10_000)
    rules: dict[str, set[str]] = defaultdict(set)
    for view in views:
        rules[view.student_id].add(view.rule)
    for view in sorted(views, key=lambda v: v.id):
        sid = by_store_id.get(view.student_id)
        if (view.rule == REVISED_RULE and view.status == State.ONTVANGEN and sid is not None
                and rules[view.student_id] == {REVISED_RULE} and school.scenarios.get(sid) == "16-uur"):
            return view.id, sid
    raise DemoFailure(f"{location.name}: geen afgeleverde 16-uursmelding om te herzien")


def revise(store: Store, services: Services, location: Location, school: SyntheticSchool,
           known_from: date) -> tuple[str, SyntheticSchool]:
    """Re-register one reported student's absences as illness in the SIS stand-in; returns the
    melding that should be withdrawn and the school as the SIS now shows it."""
    melding_id, sid = pick_melding(store, location, school)
    revised = school.with_correction(sid, "ziek", known_from)
    if location.sis == "magister":
        services.magister[location.key].sandbox.school = revised
    else:
        services.eduarte[location.key].sandbox.school = revised
    return melding_id, revised
