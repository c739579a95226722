"""The demo's college: two locations, each on its own SIS, built from ``gateway.testing.synthetic``.

The synthetic school is made for the sources' tests; the demo gives its students what the college
needs beyond it: onderwijsnummers unique across both locations (each school alone numbers from the
same start) and a woongemeente that is in the recipient directory of the location's region, so
every melding has a receiver.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Literal

from gateway.testing.identity_numbers import onderwijsnummer
from gateway.testing.synthetic import SyntheticSchool, generate_school

SisKind = Literal["magister", "eduarte"]

# The demo's school year: eight weeks from the first school day; the herfstvakantie is week 43.
FIRST_SCHOOL_DAY = date(2026, 8, 31)
FIRST_SYNC = date(2026, 10, 9)   # the gateway is switched on: a first full pull
SECOND_SYNC = date(2026, 10, 16)  # a week later: new lessons and the corrections of the week
UNSCHEDULED = "zonder rooster"  # the scenario of the student not yet on a timetable


@dataclass(frozen=True)
class Location:
    """One location of the college: its BRIN, SIS, region and rule profile."""

    key: str
    brin: str
    oin: str
    name: str
    place: str
    vestiging: str  # DUO's vestigingsnummer (two digits)
    sis: SisKind
    profile: str
    gemeenten: tuple[str, ...]  # CBS codes of the region (all in mappings/recipients)
    receiver: str | None  # the receiving organisation that reports back on its meldingen (DSP)
    seed: int
    size: int
    coordinator: str  # the verzuimcoördinator: the melder of the location's meldingen
    phone: str  # the verzuimloket's phone number


LOCATIONS: tuple[Location, ...] = (
    Location(key="25KN00", brin="25KN", oin="00000001002512345000", name="ROC Kop van Noord-Holland",
             place="Den Helder", vestiging="00", sis="magister", profile="kop-van-nh",
             gemeenten=("0400", "0441", "0448", "1911"), receiver="dsp-kop-van-nh", seed=17, size=200,
             coordinator="Anouk de Wit", phone="0223-625100"),
    Location(key="27UT00", brin="27UT", oin="00000001002712345000", name="ROC Utrecht Techniek",
             place="Utrecht", vestiging="01", sis="eduarte", profile="utrecht",
             gemeenten=("0344", "0310", "1904"), receiver=None, seed=15, size=150,
             coordinator="Jeroen Bakker", phone="030-2897400"),
)


def localise(school: SyntheticSchool, gemeenten: tuple[str, ...], serial_base: int) -> SyntheticSchool:
    """Give every student an onderwijsnummer and a woongemeente of the location's region."""
    students = tuple(
        s.model_copy(update={"woongemeente": gemeenten[i % len(gemeenten)],
                             "onderwijsnummer": onderwijsnummer(serial_base + i)})
        for i, s in enumerate(school.students)
    )
    return dataclasses.replace(school, students=students)


def unschedule(school: SyntheticSchool) -> SyntheticSchool:
    """The last regular student is enrolled but not yet on a timetable: no lessons, so the SIS has no
    attendance record of them at all (the no-show board must list them: no rule can see them)."""
    regular = sorted(sid for sid, scenario in school.scenarios.items() if scenario == "regulier")
    if not regular:
        return school
    late = regular[-1]
    return dataclasses.replace(school, lessons=tuple(x for x in school.lessons if x.student_id != late),
                               events=tuple(e for e in school.events if e.student_id != late),
                               scenarios={**school.scenarios, late: UNSCHEDULED})


def build_school(location: Location, size: int | None = None) -> SyntheticSchool:
    """The location's synthetic school (deterministic), localised for the demo, with one student
    not yet on a timetable."""
    school = generate_school(seed=location.seed, size=size or location.size, start=FIRST_SCHOOL_DAY,
                             brin=location.brin)
    return unschedule(localise(school, location.gemeenten, serial_base=int(location.brin[:2]) * 10_000))
