"""The meldingen the mail tests send are complete as the gate judges them: what the mail shows is
what a released melding holds, not a half-filled one."""

from __future__ import annotations

import pytest

from gateway.domain.age import ADULT_AGE, age_on
from gateway.domain.completeness import missing_fields
from gateway.rules.profiles import load_profile, requirements
from tests.mail.kinds import all_kinds

KINDS = all_kinds()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_test_melding_misses_nothing_the_gate_asks(kind: str) -> None:
    """Under the national profile, no field the gate requires of the melding's kind is undecided."""
    melding, _ = KINDS[kind]
    required = requirements(load_profile("national"))
    adult = age_on(melding.student.birth_date, melding.signal.trigger_date) >= ADULT_AGE
    wanted = required.fields_for(melding.signal.rule, adult=adult)
    assert missing_fields(melding.content, wanted, enrolled_on=melding.student.enrolled_on,
                          toelichting_when=required.toelichting_when) == ()
