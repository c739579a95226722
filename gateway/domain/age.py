"""Age in whole years, and the ages the law draws lines at: one reckoning for rules, routing and DUO.

A 29 February birthday falls on 1 March in other years: until that day has come, the age is the
year difference minus one (the usual reckoning, and the one the pinned rules engine uses).
"""

from __future__ import annotations

from datetime import date

# Meerderjarig: Leerplicht's reach ends and the RMC's begins; studiefinanciering (mbo) starts.
ADULT_AGE = 18
# DUO takes meldingen of students younger than this without startkwalificatie (RMC: 18 up to 23).
REPORTABLE_BELOW_AGE = 23


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day`` of someone born on ``birth``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birthday(birth: date, years: int) -> date:
    """The day someone born on ``birth`` turns ``years`` old (1 March for 29 February in other years)."""
    try:
        return date(birth.year + years, birth.month, birth.day)
    except ValueError:
        return date(birth.year + years, 3, 1)
