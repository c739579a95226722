"""The completeness gate: a melding waits for what only a person can decide, and goes once complete."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.config.school import SchoolConfig, load_school, school_profile
from gateway.delivery.alerts import alert_due_dates
from gateway.domain.errors import IncompleteMelding, InvalidInput
from gateway.domain.melding_content import ContactAttempt, Melder, MeldingContent
from gateway.domain.ports import SourceBatch
from gateway.domain.signals import Signal
from gateway.domain.soort_verzuim import ZESTIEN_UUR
from gateway.store import Store, get_melding
from gateway.store.content import content_context, decode_content
from gateway.store.schema import meldingen, outbox
from gateway.testing.complete_melding import DECIDED
from gateway.testing.complete_melding import MELDER as SCHOOL_MELDER
from tests.store.helpers import AS_OF, CALENDAR, SCHOOL, fake_signal, sixteen_hour_batch, student

# The test school as a school starts: no leslocaties, no melder, a profile that decides nothing.
PLAIN = SchoolConfig(id=SCHOOL.id, brin=SCHOOL.brin, oin=SCHOOL.oin, name=SCHOOL.name)
MELDER = Melder(naam="M. de Melder", functie="verzuimcoördinator", telefoon="0201234567",
                email="verzuim@school.example")
PERSON = MeldingContent(vermoedelijke_reden="Problemen thuis", actions_taken=("Gesprek met ouders",),
                        actie_gewenst=True, toelichting="Graag een gesprek door de leerplichtambtenaar",
                        leslocatie="Hoofdlocatie", melder=MELDER)
BESLUIT = ["vermoedelijke_reden", "actions_taken", "toelichting", "leslocatie", "melder"]


@pytest.fixture
def plain(store: Store) -> Store:
    """The store with the test school registered as PLAIN (every field is a person's to fill)."""
    pipeline.register_school(store, PLAIN.model_copy(update={"leslocaties": ["Hoofdlocatie", "Dependance"]}),
                             "test")
    return store


def _evaluated(store: Store, batch: SourceBatch | None = None) -> str:
    pipeline.ingest(store, SCHOOL.id, "magister", batch or sixteen_hour_batch(), "test")
    [melding_id] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    return melding_id


def _made(store: Store, signal: Signal, **facts: object) -> str:
    """A melding of ``signal`` for a stored student with ``facts``."""
    batch = SourceBatch(students=[student(signal.student_id, **facts)], calendar=CALENDAR)
    pipeline.ingest(store, SCHOOL.id, "magister", batch, "test")
    with store.write() as conn:
        config = load_school(conn, SCHOOL.id)
        context = pipeline.DecisionContext(config, school_profile(config), signal.trigger_date, "test")
        [melding_id], _ = pipeline.apply_signals(conn, context, [signal.student_id], [signal],
                                                 cipher=store.cipher)
    return melding_id


def _held(store: Store, melding_id: str) -> bool:
    with store.read() as conn:
        return conn.scalar(sa.select(outbox.c.state).where(outbox.c.melding_id == melding_id)) == "held"


def test_a_16_hour_melding_waits_with_the_besluit_fields_a_person_must_fill_named(plain):
    """The engine knows the hours; reason, actions, toelichting, leslocatie and melder are a person's."""
    melding = get_melding(plain, _evaluated(plain))
    assert melding.status == "concept" and melding.missing == BESLUIT
    assert _held(plain, melding.id)


def test_the_catalogue_s_actie_gewenst_counts_as_decided_and_is_never_made_up(plain):
    """A first 16-hour melding has actie gewenst "nee" from the catalogue; nothing else is filled."""
    review = pipeline.content_review(plain, SCHOOL.id, _evaluated(plain))
    assert review.resolved.actie_gewenst is False and review.resolved.vermoedelijke_reden is None


def test_approving_an_incomplete_melding_is_refused_naming_what_is_missing(plain):
    """Nothing goes out with a field the law asks for left empty."""
    melding_id = _evaluated(plain)
    with pytest.raises(IncompleteMelding, match="vermoedelijke reden") as refused:
        pipeline.approve(plain, SCHOOL.id, melding_id, "coördinator")
    assert refused.value.missing == tuple(BESLUIT)
    assert get_melding(plain, melding_id).status == "concept" and _held(plain, melding_id)


def test_a_filled_in_melding_is_approved_and_its_content_frozen_for_the_worker(plain):
    """After the person filled it in, approval releases the row with the resolved content stored."""
    melding_id = _evaluated(plain)
    assert pipeline.save_content(plain, SCHOOL.id, melding_id, PERSON, "coördinator") == ()
    pipeline.approve(plain, SCHOOL.id, melding_id, "coördinator")
    assert get_melding(plain, melding_id).status == "klaar" and not _held(plain, melding_id)
    with plain.read() as conn:
        stored = conn.scalar(sa.select(meldingen.c.content).where(meldingen.c.id == melding_id))
    frozen = decode_content(plain.cipher, melding_id, stored)
    assert frozen.phone == "06-12345678" and frozen.melder == MELDER  # the SIS's phone, resolved in


def test_saving_content_names_what_is_still_missing(plain):
    """Half a form keeps the melding waiting, with the rest named."""
    half = MeldingContent(vermoedelijke_reden="Onbekend")
    missing = pipeline.save_content(plain, SCHOOL.id, _evaluated(plain), half, "coördinator")
    assert missing == ("actions_taken", "toelichting", "leslocatie", "melder")


def test_a_leslocatie_the_school_does_not_list_is_refused(plain):
    """The Besluit's leslocatie comes from the school's own list."""
    wrong = dataclasses.replace(PERSON, leslocatie="Elders")
    with pytest.raises(InvalidInput, match="onbekende leslocatie 'Elders'"):
        pipeline.save_content(plain, SCHOOL.id, _evaluated(plain), wrong, "coördinator")


def test_the_sis_leslocatie_and_the_school_s_melder_fill_their_fields(store):
    """What the SIS and the school's settings know, no person has to type."""
    config = PLAIN.model_copy(update={"leslocaties": ["Hoofdlocatie", "Dependance"], **SCHOOL_MELDER})
    pipeline.register_school(store, config, "test")
    batch = sixteen_hour_batch()
    batch = dataclasses.replace(batch, students=[student("S1", leslocatie="Dependance")])
    melding = get_melding(store, _evaluated(store, batch))
    assert melding.missing == ["vermoedelijke_reden", "actions_taken", "toelichting"]


def test_a_leslocatie_outside_the_school_s_list_is_not_taken_from_the_sis(plain):
    """An unlisted SIS value is no decision: a person picks one from the list."""
    batch = dataclasses.replace(sixteen_hour_batch(), students=[student("S1", leslocatie="Onbekend gebouw")])
    assert "leslocatie" in get_melding(plain, _evaluated(plain, batch)).missing


def test_a_school_with_one_leslocatie_has_it_decided(store):
    """One configured leslocatie is the school's decision for every melding."""
    pipeline.register_school(store, PLAIN.model_copy(update={"leslocaties": ["Enige locatie"]}), "test")
    assert "leslocatie" not in get_melding(store, _evaluated(store)).missing


def test_configuring_what_was_missing_judges_the_queue_again(plain):
    """A school that adds its melder sees the field gone from every waiting melding."""
    melding_id = _evaluated(plain)
    config = PLAIN.model_copy(update={"leslocaties": ["Hoofdlocatie"], **SCHOOL_MELDER})
    pipeline.register_school(plain, config, "test")
    assert get_melding(plain, melding_id).missing == ["vermoedelijke_reden", "actions_taken", "toelichting"]


def test_a_profile_that_decides_everything_lets_its_rule_go_without_review(store):
    """send_without_review with defaults that leave nothing missing: released at once, audited."""
    overrides = {"send_without_review": ["verzuim-16u"], "melding_defaults": {"*": DECIDED}}
    pipeline.register_school(store, PLAIN.model_copy(update={
        "leslocaties": ["Hoofdlocatie"], "profile_overrides": overrides, **SCHOOL_MELDER}), "test")
    melding = get_melding(store, _evaluated(store))
    assert (melding.status, melding.missing, melding.approved_by) == ("klaar", [], "profiel:national")


def test_a_complete_melding_of_a_rule_the_profile_does_not_list_still_waits_for_review(store):
    """Complete is not approved: only the kinds the profile names go without a person."""
    overrides = {"send_without_review": ["lrv"], "melding_defaults": {"*": DECIDED}}
    pipeline.register_school(store, PLAIN.model_copy(update={
        "leslocaties": ["Hoofdlocatie"], "profile_overrides": overrides, **SCHOOL_MELDER}), "test")
    melding = get_melding(store, _evaluated(store))
    assert (melding.status, melding.missing) == ("concept", [])


def test_an_18_plus_melding_also_asks_the_three_concerns_agreements_and_what_is_asked_of_the_rmc(plain):
    """Seed 002: a melding about a student of 18 or older without them is incomplete."""
    signal = dataclasses.replace(fake_signal("A1"), recipient="rmc")
    melding = get_melding(plain, _made(plain, signal, birth_date=date(2007, 1, 1)))
    assert melding.missing[-3:] == ["concerns", "agreements", "asked_of_rmc"]


def test_answering_no_concern_is_a_decision_too(plain):
    """An empty set of concerns is an answer (none applies); an unanswered one is missing."""
    signal = dataclasses.replace(fake_signal("A1"), recipient="rmc")
    melding_id = _made(plain, signal, birth_date=date(2007, 1, 1))
    answered = dataclasses.replace(PERSON, concerns=frozenset(), agreements="Elke week mentor",
                                   asked_of_rmc="Meedenken")
    assert pipeline.save_content(plain, SCHOOL.id, melding_id, answered, "coördinator") == ()


def test_a_no_show_melding_asks_contact_attempts_and_the_date_of_aanmelding(plain):
    """Seed 000 step 4: no-show meldingen carry the contact attempts and datum aanmelding."""
    signal = dataclasses.replace(fake_signal("N1"), rule="no-show", recipient="dsp", hours=None)
    melding = get_melding(plain, _made(plain, signal, enrolled_on=None))
    assert melding.missing[-2:] == ["contact_attempts", "enrolled_on"]


def test_a_no_show_with_a_contact_attempt_is_complete(plain):
    """One attempt, with its date, way and outcome, is what the gate asks."""
    signal = dataclasses.replace(fake_signal("N1"), rule="no-show", recipient="dsp", hours=None)
    melding_id = _made(plain, signal)
    tried = dataclasses.replace(PERSON, contact_attempts=(ContactAttempt(date(2026, 9, 3), "telefoon",
                                                                         "geen gehoor"),))
    assert pipeline.save_content(plain, SCHOOL.id, melding_id, tried, "coördinator") == ()


def test_the_specification_counts_days_hours_and_whether_all_lessons_were_missed(plain):
    """Two days of four absent two-hour lessons: 2 days, 16 hours, every lesson missed."""
    spec = get_melding(plain, _evaluated(plain)).specification
    assert spec == {"verzuimdagen": 2, "verzuimuren": 16.0, "alle_lessen_gemist": True}


def test_the_review_shows_the_besluit_kind_of_the_melding(plain):
    """verzuim-16u is "16 uur in 4 opeenvolgende lesweken" (one table, gateway.domain.soort_verzuim)."""
    assert pipeline.content_review(plain, SCHOOL.id, _evaluated(plain)).soort == ZESTIEN_UUR


def test_a_released_melding_can_be_corrected_but_not_emptied(plain):
    """Before it goes out a released melding takes a correction on top of its frozen content."""
    melding_id = _evaluated(plain)
    pipeline.save_content(plain, SCHOOL.id, melding_id, PERSON, "coördinator")
    pipeline.approve(plain, SCHOOL.id, melding_id, "coördinator")
    correction = MeldingContent(vermoedelijke_reden="Toch: ziekte in het gezin")
    assert pipeline.save_content(plain, SCHOOL.id, melding_id, correction, "coördinator") == ()
    assert pipeline.content_review(plain, SCHOOL.id, melding_id).stored.melder == MELDER


def test_content_stored_before_the_gate_reads_its_empty_concerns_as_unanswered(store):
    """Format 1 stored every melding's concerns as an empty list, asked or not."""
    old = store.cipher.encrypt(json.dumps({"actie_gewenst": True, "toelichting": "x", "concerns": [],
                                           "actions_taken": []}), content_context("m1"))
    assert decode_content(store.cipher, "m1", old).concerns is None


def test_a_due_date_alert_names_what_the_melding_waits_for(plain):
    """A melding waiting for a person is at risk too, and the alert says for what."""
    melding_id = _evaluated(plain)
    due = get_melding(plain, melding_id).due_date
    [alert] = alert_due_dates(plain, due, 2, "test")
    assert alert.melding_id == melding_id and alert.waiting_for == tuple(BESLUIT)
