"""Manual meldingen: filed by the verzuimcoördinator, with the same gate, delivery and withdrawal."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from gateway import pipeline
from gateway.domain.errors import IncompleteMelding, InvalidInput
from gateway.domain.melding_content import MeldingContent
from gateway.store import Store, audit, get_melding, list_meldingen
from tests.store.helpers import AS_OF, SCHOOL, drain, sixteen_hour_batch

TODAY = AS_OF
START = date(2026, 9, 1)


def _request(kind: str = "zorgmelding", **changes: object) -> pipeline.ManualRequest:
    request = pipeline.ManualRequest(student_id="S1", kind=kind, period_start=START, period_end=None,
                                     content=MeldingContent(vermoedelijke_reden="Dreigt uit te vallen"))
    return dataclasses.replace(request, **changes)


@pytest.fixture
def with_student(store: Store) -> Store:
    """The test school with student S1 and two days of unauthorised absence."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    return store


def test_a_manual_melding_is_filed_with_a_stable_business_id_and_goes_out(with_student, worker):
    """Student, kind, start date and number; its content goes with it (the school decides the rest)."""
    filed = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    melding = get_melding(with_student, filed.melding_id)
    assert filed.created and melding.business_id == "S1|zorgmelding|2026-09-01|1"
    assert (melding.rule, melding.recipient, melding.status) == ("zorgmelding", "leerplicht", "klaar")
    assert drain(worker) == 1


def test_filing_the_same_melding_twice_shows_the_first(with_student):
    """An accidental second filing creates nothing."""
    first = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    again = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    assert (again.melding_id, again.created) == (first.melding_id, False)


def test_after_a_withdrawal_the_same_filing_gets_the_next_number(with_student):
    """A withdrawn manual melding can be filed anew; the number tells them apart."""
    first = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    with with_student.write() as conn:
        pipeline.withdraw(conn, first.melding_id, "coördinator", "verkeerde leerling")
    second = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    assert get_melding(with_student, second.melding_id).business_id.endswith("|2")


def test_the_specification_counts_the_unauthorised_absence_in_the_period(with_student):
    """Two days of four two-hour lessons, all absent without a reason."""
    filed = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    spec = get_melding(with_student, filed.melding_id).specification
    assert spec == {"verzuimdagen": 2, "verzuimuren": 16.0, "alle_lessen_gemist": True}


def test_a_manual_melding_survives_the_next_evaluation(with_student):
    """No rule produced it, so no rule's silence withdraws it."""
    filed = pipeline.file_manual(with_student, SCHOOL.id, _request("signaalverzuim"), "coördinator", TODAY)
    pipeline.ingest(with_student, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    pipeline.evaluate(with_student, SCHOOL.id, AS_OF)
    assert get_melding(with_student, filed.melding_id).status != "ingetrokken"


def test_filing_is_audited_as_a_decision_by_the_person(with_student):
    """The besluit entry names the person who filed it."""
    filed = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    entries = audit.entries(with_student, school_id=SCHOOL.id, limit=20)
    [decision] = [e for e in entries if e["action"] == "besluit" and e["subject"] == filed.melding_id]
    assert decision["actor"] == "coördinator" and decision["data"]["rule"] == "zorgmelding"


@pytest.mark.parametrize(("changes", "where"), [
    ({"kind": "verzuim-16u"}, "kind"),
    ({"period_start": date(2026, 9, 5)}, "period_start"),
    ({"period_end": date(2026, 8, 31)}, "period_end"),
    ({"student_id": "ONBEKEND"}, "student_id"),
    ({"content": MeldingContent(leslocatie="Elders")}, "leslocatie"),
])
def test_a_wrong_filing_is_refused_naming_the_field(with_student, changes, where):
    """Kind, dates, student and leslocatie are checked; nothing is stored."""
    with pytest.raises(InvalidInput, match=f"^{where}: "):
        pipeline.file_manual(with_student, SCHOOL.id, _request(**changes), "coördinator", TODAY)
    assert not [m for m in list_meldingen(with_student, SCHOOL.id) if m.rule == "zorgmelding"]


def test_a_manual_melding_of_a_school_that_decided_nothing_waits_for_its_fields(with_student):
    """The same gate: without the school's decisions the person fills in the rest before approval."""
    pipeline.register_school(with_student, SCHOOL.model_copy(update={"profile_overrides": {}}), "test")
    filed = pipeline.file_manual(with_student, SCHOOL.id, _request(), "coördinator", TODAY)
    with pytest.raises(IncompleteMelding, match="door school ondernomen actie"):
        pipeline.approve(with_student, SCHOOL.id, filed.melding_id, "coördinator")
