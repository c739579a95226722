"""Builders for the push API tests: schools, keys, bodies."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from gateway.config.school import SchoolConfig

SCHOOL = SchoolConfig(id="99XX00", brin="99XX", oin="00000009999999990000", name="ROC Proef")
OTHER = SchoolConfig(id="88YY00", brin="88YY", oin="00000008888888880000", name="ROC Ander")
AS_OF = date(2026, 9, 4)
CALENDAR: dict[str, Any] = {
    "first_school_day": "2026-08-31", "last_school_day": "2027-07-16",
    "holidays": [{"name": "herfstvakantie", "start": "2026-10-19", "end": "2026-10-23"}],
}


ONDERWIJSNUMMER = "101234564"  # passes the onderwijsnummer elfproef (gateway.domain.identity)


def student(sid: str = "99XX-1", **extra: Any) -> dict[str, Any]:
    """A 16-year-old BOL student without startkwalificatie, with an onderwijsnummer (a melding needs one)."""
    return {"id": sid, "birth_date": "2010-03-01", "leerweg": "BOL", "niveau": 2, "enrolled_on": "2026-05-01",
            "intro_attended": True, "woongemeente": "0344", "onderwijsnummer": ONDERWIJSNUMMER, **extra}


def absences(sid: str = "99XX-1", days: tuple[date, ...] = (date(2026, 9, 1), date(2026, 9, 2)),
             per_day: int = 4) -> list[dict[str, Any]]:
    """Unauthorised 2-hour absences: 16 hours over the two default days (verzuim-16u)."""
    out = []
    for day in days:
        for n in range(per_day):
            start = time(8 + 2 * n)
            end = (datetime.combine(day, start) + timedelta(hours=2)).time()
            out.append({"id": f"L-{sid}-{day}-{n}", "student_id": sid, "date": day.isoformat(),
                        "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"), "status": "absent",
                        "reason": None})
    return out
