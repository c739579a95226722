"""A refused form is shown again with each Dutch message beside its field and everything typed kept:
the withdrawal's reason, the content form of a melding, the manual melding, the sign-in."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.console.content_form import RELEASED_MISSING, missing_errors
from gateway.store import get_melding, list_meldingen
from tests.console.conftest import Console
from tests.console.error_app import console_with_error_pages
from tests.console.helpers import COMPLETE_FORM, LESLOCATIES, PASSWORD, SCHOOL, csrf_of

MELDER, BEHEER = "melder@voorbeeld", "beheer@voorbeeld"
NEW = "/console/meldingen/nieuw"
FILING = {"student_id": "S1", "kind": "signaalverzuim", "period_start": "2026-09-01",
          "vermoedelijke_reden": "Zorgen over de thuissituatie", "leslocatie": LESLOCATIES[0]}


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    """The console with its error pages."""
    with console_with_error_pages(tmp_path) as running:
        yield running


def field_error(page: str, name: str, message: str | None = None) -> str:
    """The message beside input ``name``: a ``field-error`` the input points at (``aria-describedby``);
    ``message`` names it when inputs share one (the three concerns: ``zorgen``)."""
    message = message or name
    assert re.search(rf'name="{name}"[^>]*aria-invalid="true" aria-describedby="{message}-fout"', page), \
        f"invoer {name} is niet als fout gemarkeerd"
    found = re.search(rf'<p class="field-error" id="{message}-fout">([^<]*)</p>', page)
    assert found, f"geen melding bij {name}"
    return html.unescape(found.group(1))


def _melding_page(console: Console, username: str = MELDER, rule: str = "verzuim-16u",
                  sid: str = "S1") -> tuple[httpx.Client, str, str]:
    client = console.client(username)
    melding_id = console.melding(rule, sid).id
    return client, melding_id, csrf_of(client.get(f"/console/meldingen/{melding_id}").text)


def _save(client: httpx.Client, melding_id: str, csrf: str, **fields: str) -> httpx.Response:
    return client.post(f"/console/meldingen/{melding_id}/inhoud", data={"csrf": csrf, **fields})


# --- withdrawal ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("reden", "said"), [
    ("ab", "geef een reden van minstens 3 tekens"),
    ("   ab   ", "geef een reden van minstens 3 tekens"),
    ("x" * 501, "de reden is te lang: hoogstens 500 tekens"),
])
def test_a_withdrawal_with_a_wrong_reason_keeps_it_beside_the_message(console: Console, reden: str,
                                                                        said: str) -> None:
    """Too short or too long a reason: the melding page again (422), the message beside the reason,
    the reason as typed; the melding is not withdrawn."""
    client, melding_id, csrf = _melding_page(console, BEHEER)
    response = client.post(f"/console/meldingen/{melding_id}/intrekken", data={"csrf": csrf, "reden": reden})
    assert response.status_code == 422
    assert field_error(response.text, "reden") == said
    assert f'value="{reden}"' in response.text
    assert get_melding(console.store, melding_id).status == "concept"


def test_a_refused_withdrawal_keeps_the_content_form_as_stored(console: Console) -> None:
    """The page shown again still has the stored content in its form (the melder from the settings)."""
    client, melding_id, csrf = _melding_page(console, BEHEER)
    response = client.post(f"/console/meldingen/{melding_id}/intrekken", data={"csrf": csrf, "reden": "x"})
    assert f'value="{SCHOOL.contact_name}"' in response.text


# --- the content form ------------------------------------------------------------------------------

def test_a_wrong_phone_number_is_named_beside_it_keeping_what_was_typed(console: Console) -> None:
    """422: the message beside the phone input, a summary above naming its label, the rest kept."""
    client, melding_id, csrf = _melding_page(console)
    response = _save(client, melding_id, csrf, vermoedelijke_reden="Werkt 's nachts", phone="bel mij")
    assert response.status_code == 422
    said = field_error(response.text, "phone")
    assert said.startswith("Telefoonnummer ouder of leerling is geen telefoonnummer")
    assert "controleer telefoonnummer ouder of leerling" in response.text
    assert "Werkt &#39;s nachts</textarea>" in response.text and 'value="bel mij"' in response.text


def test_an_unknown_leslocatie_is_named_beside_the_choice(console: Console) -> None:
    """A leslocatie not on the school's list: the message beside the select, the typed one still chosen."""
    client, melding_id, csrf = _melding_page(console)
    response = _save(client, melding_id, csrf, leslocatie="Elders")
    assert response.status_code == 422
    assert field_error(response.text, "leslocatie").startswith("onbekende leslocatie 'Elders'")
    assert '<option value="Elders" selected>' in response.text


def test_a_half_filled_melder_names_each_missing_part(console: Console) -> None:
    """A melder without an e-mail: "ontbreekt" beside the e-mail input; naam and functie kept."""
    client, melding_id, csrf = _melding_page(console)
    response = _save(client, melding_id, csrf, melder_naam="A. Jansen", melder_functie="mentor",
                     melder_telefoon="0612345678", melder_email="")
    assert response.status_code == 422
    assert field_error(response.text, "melder_email") == "E-mail melder ontbreekt"
    assert 'value="A. Jansen"' in response.text and 'value="mentor"' in response.text


def test_a_wrong_postcode_is_said_in_words(console: Console) -> None:
    """A postcode of the wrong form is explained as a postcode, not as a pattern."""
    client, melding_id, csrf = _melding_page(console)
    response = _save(client, melding_id, csrf, adres_straat="Dorpsstraat", adres_huisnummer="1",
                     adres_postcode="1234ab", adres_plaatsnaam="Utrecht")
    assert field_error(response.text, "adres_postcode") == (
        "Postcode is geen postcode (vier cijfers en twee hoofdletters, zoals 1234 AB)")
    assert 'value="1234ab"' in response.text


def test_concerns_answered_in_part_are_named_below_them(console: Console) -> None:
    """One concern answered, the others open: the message below the concerns, the answer kept."""
    client, melding_id, csrf = _melding_page(console, rule="no-show", sid="N1")
    response = _save(client, melding_id, csrf, zorg_dreigende_uitval="ja")
    assert response.status_code == 422
    said = field_error(response.text, "zorg_dreigende_uitval", "zorgen")
    assert said.startswith("beantwoord elk van de drie zorgen")
    assert 'id="zorg_dreigende_uitval-ja" name="zorg_dreigende_uitval" value="ja" checked' in response.text


def test_a_contact_attempt_in_the_future_is_named_beside_its_date(console: Console) -> None:
    """A contact attempt after today: the message beside that attempt's date; its outcome kept."""
    client, melding_id, csrf = _melding_page(console, rule="no-show", sid="N1")
    response = _save(client, melding_id, csrf, poging_0_datum="2026-12-01", poging_0_hoe="telefoon",
                     poging_0_uitkomst="Gesproken")
    assert response.status_code == 422
    assert field_error(response.text, "poging_0_datum").startswith("contactpoging ligt in de toekomst")
    assert 'value="Gesproken"' in response.text


def test_actie_gewenst_without_a_toelichting_names_the_toelichting_on_approval(console: Console) -> None:
    """"Actie gewenst: ja" saved without a toelichting, then Goedkeuren: 409, the message beside
    Toelichting, everything saved still in the form; the melding stays a concept."""
    client, melding_id, csrf = _melding_page(console)
    typed = {**COMPLETE_FORM, "toelichting": "", "vermoedelijke_reden": "Ziek thuis"}
    assert _save(client, melding_id, csrf, **typed).status_code == 303
    response = client.post(f"/console/meldingen/{melding_id}/goedkeuren", data={"csrf": csrf})
    assert response.status_code == 409
    said = field_error(response.text, "toelichting")
    assert said == "vul dit in: zonder kan de melding niet worden goedgekeurd"
    assert "Ziek thuis</textarea>" in response.text
    assert 'id="actie_gewenst-ja" name="actie_gewenst" value="ja" checked' in response.text
    assert get_melding(console.store, melding_id).status == "concept"


def test_a_released_melding_left_incomplete_names_each_field_at_its_input() -> None:
    """A change leaving a released melding incomplete (409) puts the note beside each missing field's
    first input; a student fact the form does not hold (datum aanmelding) stays in the message above."""
    assert missing_errors(("toelichting", "melder", "concerns", "contact_attempts", "enrolled_on")) == {
        name: RELEASED_MISSING for name in ("toelichting", "melder_naam", "zorgen", "poging_0_datum")}


# --- the manual melding ----------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field", "said"), [
    ({"student_id": ""}, "student_id", "vul het leerlingnummer in"),
    ({"student_id": "ONBEKEND"}, "student_id", "onbekende leerling 'ONBEKEND'"),
    ({"kind": "luxe-verzuim"}, "kind", "onbekende soort 'luxe-verzuim'"),
    ({"period_start": "1-9-2026"}, "period_start", "begindatum is geen geldige datum (JJJJ-MM-DD)"),
    ({"period_start": "2026-09-10"}, "period_start", "begindatum ligt na vandaag"),
    ({"period_end": "2026-08-01"}, "period_end", "einddatum ligt voor de begindatum"),
    ({"leslocatie": "Elders"}, "leslocatie", "onbekende leslocatie 'Elders'"),
    ({"phone": "x"}, "phone", "Telefoonnummer ouder of leerling is geen telefoonnummer"),
])
def test_a_wrong_manual_filing_names_the_field_beside_it(console: Console, change: dict[str, str],
                                                         field: str, said: str) -> None:
    """Each wrong input of the manual form: 422, its message beside it, the form as typed; nothing filed."""
    client = console.client(MELDER)
    csrf = csrf_of(client.get(NEW).text)
    response = client.post(NEW, data={"csrf": csrf, **FILING, **change})
    assert response.status_code == 422
    assert field_error(response.text, field).startswith(said)
    assert "De melding is niet ingediend: controleer" in response.text
    assert "Zorgen over de thuissituatie</textarea>" in response.text
    assert list_meldingen(console.store, SCHOOL.id, rule="signaalverzuim") == []


# --- sign-in ---------------------------------------------------------------------------------------

def _sign_in(client: httpx.Client, username: str, password: str, csrf: str | None = None) -> httpx.Response:
    token = csrf if csrf is not None else csrf_of(client.get("/console/aanmelden").text)
    return client.post("/console/aanmelden", data={"username": username, "password": password, "csrf": token})


def test_a_wrong_password_keeps_the_username(console: Console) -> None:
    """A refused sign-in (401) shows the form again with the username typed, never the password."""
    response = _sign_in(console.client(), MELDER, "fout-wachtwoord")
    assert response.status_code == 401
    assert f'value="{MELDER}"' in response.text and "fout-wachtwoord" not in response.text


def test_an_expired_sign_in_form_is_offered_again_with_the_username(console: Console) -> None:
    """A sign-in form whose token does not match (expired, forged): 403, a fresh form, the username kept;
    the fresh form signs in."""
    client = console.client()
    response = _sign_in(client, MELDER, PASSWORD, csrf="verlopen")
    assert response.status_code == 403
    assert "formulier verlopen of ongeldig" in response.text and f'value="{MELDER}"' in response.text
    assert _sign_in(client, MELDER, PASSWORD, csrf=csrf_of(response.text)).status_code == 303


def test_an_overlong_username_is_refused_like_a_wrong_one(console: Console) -> None:
    """A username longer than any account is a refused sign-in (401), not a validation error."""
    response = _sign_in(console.client(), "x" * 65, PASSWORD)
    assert response.status_code == 401
    assert "Onjuiste gebruikersnaam of wachtwoord" in response.text
