"""The content form of a melding and the completeness gate in the console: what is missing is named
in Dutch, a refused form keeps what was typed, approval waits until nothing is missing."""

from __future__ import annotations

from datetime import date

import httpx

from gateway import pipeline
from gateway.domain.ports import SourceBatch
from gateway.store import get_melding
from tests.console.conftest import Console
from tests.console.helpers import (
    AS_OF,
    COMPLETE_FORM,
    FIRST_WEEK,
    LESLOCATIES,
    SCHOOL,
    csrf_of,
    fill_in,
    no_show_student,
)
from tests.store.helpers import CALENDAR, absences

MELDER = "melder@voorbeeld"


def _open(console: Console, rule: str = "verzuim-16u", sid: str = "S1") -> tuple[httpx.Client, str, str]:
    """A signed-in melder on the melding's page: the client, the melding id and the form token."""
    client = console.client(MELDER)
    melding_id = console.melding(rule, sid).id
    return client, melding_id, csrf_of(client.get(f"/console/meldingen/{melding_id}").text)


def _save(client: httpx.Client, melding_id: str, csrf: str, **fields: str) -> httpx.Response:
    return client.post(f"/console/meldingen/{melding_id}/inhoud", data={"csrf": csrf, **fields})


def test_the_page_names_what_is_still_missing_in_dutch(console: Console) -> None:
    """A new 16-uur melding (actie gewenst: nee, from the rule) waits for the reason, the actions, the
    toelichting and the leslocatie."""
    client, melding_id, _ = _open(console)
    page = client.get(f"/console/meldingen/{melding_id}").text
    assert "Nog in te vullen" in page
    for label in ("vermoedelijke reden van het verzuim", "door school ondernomen actie",
                  "toelichting bij actie gewenst", "naam leslocatie"):
        assert f">{label}</li>" in page


def test_the_melder_is_prefilled_from_the_schools_settings(console: Console) -> None:
    """The melder's naam and e-mail come from the school's settings; the phone from the SIS."""
    client, melding_id, _ = _open(console)
    page = client.get(f"/console/meldingen/{melding_id}").text
    assert f'value="{SCHOOL.contact_name}"' in page and f'value="{SCHOOL.contact_email}"' in page
    assert 'id="phone" name="phone" type="tel" maxlength="30" value="06-12345678"' in page


def test_the_page_shows_the_computed_specification_and_the_soort(console: Console) -> None:
    """Verzuimdagen, verzuimuren and the vermoedelijke soort are computed from the evidence."""
    client, melding_id, _ = _open(console)
    page = client.get(f"/console/meldingen/{melding_id}").text
    assert 'id="verzuimdagen">2<' in page and 'id="verzuimuren">16,00<' in page
    assert "16 uur in 4 opeenvolgende lesweken" in page
    assert 'id="alle-lessen">' in page


def test_the_leslocatie_is_chosen_from_the_schools_list(console: Console) -> None:
    """The form offers the school's leslocaties as options."""
    client, melding_id, _ = _open(console)
    page = client.get(f"/console/meldingen/{melding_id}").text
    for name in LESLOCATIES:
        assert f'<option value="{name}">{name}</option>' in page


def test_saving_part_of_the_fields_leaves_the_rest_named(console: Console) -> None:
    """After the reason and the leslocatie are saved, only the actions and the toelichting are missing."""
    client, melding_id, csrf = _open(console)
    response = _save(client, melding_id, csrf, vermoedelijke_reden="Ziek thuis", leslocatie=LESLOCATIES[1])
    assert response.status_code == 303
    assert get_melding(console.store, melding_id).missing == ["actions_taken", "toelichting"]
    page = client.get(f"/console/meldingen/{melding_id}").text
    assert "Ziek thuis" in page and f'<option value="{LESLOCATIES[1]}" selected>' in page


def test_actie_gewenst_left_undecided_stays_missing(console: Console) -> None:
    """'Niet gekozen' is no 'nee': the gate still asks for it (a no-show's rule leaves it open)."""
    client, melding_id, csrf = _open(console, "no-show", "N1")
    _save(client, melding_id, csrf, actie_gewenst="")
    assert "actie_gewenst" in (get_melding(console.store, melding_id).missing or [])
    _save(client, melding_id, csrf, actie_gewenst="nee")
    assert "actie_gewenst" not in (get_melding(console.store, melding_id).missing or [])


def test_a_toelichting_is_asked_once_actie_gewenst_is_answered(console: Console) -> None:
    """Answering actie gewenst with ja makes the toelichting a missing field."""
    client, melding_id, csrf = _open(console)
    _save(client, melding_id, csrf, actie_gewenst="ja")
    assert "toelichting" in (get_melding(console.store, melding_id).missing or [])


def test_approval_of_an_incomplete_melding_is_refused_naming_the_fields(console: Console) -> None:
    """Goedkeuren while fields are missing answers 409 with the page naming them; it stays a concept."""
    client, melding_id, csrf = _open(console)
    response = client.post(f"/console/meldingen/{melding_id}/goedkeuren", data={"csrf": csrf})
    assert response.status_code == 409
    assert "melding kan nog niet weg" in response.text and "naam leslocatie" in response.text
    assert get_melding(console.store, melding_id).status == "concept"


def test_a_complete_melding_can_be_approved(console: Console) -> None:
    """Once every field is filled in the page says so and approval makes the melding 'klaar'."""
    client, melding_id, csrf = _open(console)
    assert _save(client, melding_id, csrf, **COMPLETE_FORM).status_code == 303
    assert 'id="volledig"' in client.get(f"/console/meldingen/{melding_id}").text
    response = client.post(f"/console/meldingen/{melding_id}/goedkeuren", data={"csrf": csrf})
    assert response.status_code == 303
    assert get_melding(console.store, melding_id).status == "klaar"


def test_invalid_input_shows_the_form_again_with_what_was_typed(console: Console) -> None:
    """A wrong phone number answers 422 naming the field; the reason typed is still in the form."""
    client, melding_id, csrf = _open(console)
    response = _save(client, melding_id, csrf, vermoedelijke_reden="Werkt 's nachts", phone="bel mij")
    assert response.status_code == 422
    assert 'role="alert"' in response.text and "phone" in response.text
    assert "Werkt &#39;s nachts" in response.text
    assert get_melding(console.store, melding_id).missing is not None
    assert "vermoedelijke_reden" in (get_melding(console.store, melding_id).missing or [])


def test_a_leslocatie_outside_the_schools_list_is_refused(console: Console) -> None:
    """Only one of the school's leslocaties may be named (422)."""
    client, melding_id, csrf = _open(console)
    response = _save(client, melding_id, csrf, leslocatie="Elders")
    assert response.status_code == 422
    assert "onbekende leslocatie" in response.text


def test_a_half_filled_melder_names_what_it_lacks(console: Console) -> None:
    """A melder without an e-mail address is refused naming the e-mail beside its input."""
    client, melding_id, csrf = _open(console)
    response = _save(client, melding_id, csrf, melder_naam="A. Jansen", melder_functie="mentor",
                     melder_telefoon="0612345678")
    assert response.status_code == 422
    assert '<p class="field-error" id="melder_email-fout">E-mail melder ontbreekt</p>' in response.text


def test_the_concerns_are_answered_all_or_none(console: Console) -> None:
    """Answering one concern and leaving the others open is refused (422)."""
    client, melding_id, csrf = _open(console, "no-show", "N1")
    response = _save(client, melding_id, csrf, zorg_dreigende_uitval="ja")
    assert response.status_code == 422
    assert "beantwoord elk van de drie zorgen" in response.text


def test_an_adults_melding_asks_the_concerns_and_a_no_show_the_contact_attempts(console: Console) -> None:
    """The 19-year-old no-show's page has the three concerns as ja/nee and rows for contact attempts."""
    client, melding_id, _ = _open(console, "no-show", "N1")
    page = client.get(f"/console/meldingen/{melding_id}").text
    assert 'name="zorg_dreigende_uitval" value="nee"' in page
    assert 'name="poging_2_hoe"' in page
    assert ">contactpogingen (datum, hoe, uitkomst)</li>" in page


def test_contact_attempts_and_concerns_are_stored(console: Console) -> None:
    """A no-show filled in completely (concerns, contact attempt) misses nothing."""
    client, melding_id, csrf = _open(console, "no-show", "N1")
    assert _save(client, melding_id, csrf, **COMPLETE_FORM).status_code == 303
    review = pipeline.content_review(console.store, SCHOOL.id, melding_id)
    assert review.missing == ()
    assert review.stored.concerns == frozenset({"problemen_buiten_school", "dreigende_uitval"})
    assert [a.how for a in review.stored.contact_attempts] == ["telefoon"]


def test_a_contact_attempt_in_the_future_is_refused(console: Console) -> None:
    """A contact attempt dated after today cannot have happened (422)."""
    client, melding_id, csrf = _open(console, "no-show", "N1")
    response = _save(client, melding_id, csrf, poging_0_datum="2026-12-01", poging_0_hoe="telefoon",
                     poging_0_uitkomst="Gesproken")
    assert response.status_code == 422
    assert "contactpoging ligt in de toekomst" in response.text


def test_the_review_list_shows_what_each_melding_waits_for(console: Console) -> None:
    """The queue names the missing fields per melding, and 'volledig' for a complete one."""
    fill_in(console.store, console.melding("no-show", "N1").id)
    page = console.client(MELDER).get("/console/meldingen").text
    assert "volledig" in page
    assert "nog in te vullen: vermoedelijke reden van het verzuim" in page


def test_a_withdrawn_melding_cannot_be_changed(console: Console) -> None:
    """Content of a withdrawn melding is refused with 409."""
    client, melding_id, csrf = _open(console)
    with console.store.write() as conn:
        pipeline.withdraw(conn, melding_id, "test", "registratiefout")
    response = _save(client, melding_id, csrf, vermoedelijke_reden="Ziek")
    assert response.status_code == 409
    assert "kan niet meer worden aangepast" in response.text


def test_approving_twice_is_refused(console: Console) -> None:
    """A melding already approved cannot be approved again (409)."""
    client, melding_id, csrf = _open(console)
    fill_in(console.store, melding_id)
    assert client.post(f"/console/meldingen/{melding_id}/goedkeuren", data={"csrf": csrf}).status_code == 303
    response = client.post(f"/console/meldingen/{melding_id}/goedkeuren", data={"csrf": csrf})
    assert response.status_code == 409


def test_an_uitschrijving_of_a_no_show_waits_for_the_agreement(console: Console) -> None:
    """A 16-year-old no-show deregistered before the DSP answered: the uitschrijving's page asks with
    whom it was agreed; filling that in takes it off the missing list."""
    ended = no_show_student("N3", birth=date(2010, 3, 1)).model_copy(
        update={"enrolment_status": "ended", "enrolment_end": date(2026, 9, 3)})
    batch = SourceBatch(students=[ended], records=absences("N3", FIRST_WEEK, per_day=2), calendar=CALENDAR,
                        cursor="c2")
    assert pipeline.ingest(console.store, SCHOOL.id, "test", batch, "test").accepted
    pipeline.evaluate(console.store, SCHOOL.id, AS_OF)
    client, melding_id, csrf = _open(console, "uitschrijving", "N3")
    page = client.get(f"/console/meldingen/{melding_id}").text
    assert ">afstemming met Leerplicht/DSP over de uitschrijving</li>" in page
    assert 'name="deregistration_agreed"' in page
    _save(client, melding_id, csrf, deregistration_agreed="Met leerplichtambtenaar J. de Vries, 3 september")
    assert "deregistration_agreed" not in (get_melding(console.store, melding_id).missing or [])
