"""Filing a melding no rule produced, from the console: the form, the filing, filing it twice."""

from __future__ import annotations

import httpx
import pytest

from gateway.store import audit, get_melding, list_meldingen
from tests.console.conftest import Console
from tests.console.helpers import LESLOCATIES, SCHOOL, csrf_of

NEW = "/console/meldingen/nieuw"
FILING = {"student_id": "S1", "kind": "signaalverzuim", "period_start": "2026-09-01",
          "vermoedelijke_reden": "Zorgen over de thuissituatie", "leslocatie": LESLOCATIES[0]}


def _form(console: Console, username: str = "melder@voorbeeld") -> tuple[httpx.Client, str]:
    client = console.client(username)
    return client, csrf_of(client.get(NEW).text)


def test_the_form_offers_the_manual_kinds_and_the_schools_melder(console: Console) -> None:
    """The form lists beginnend verzuim, signaalverzuim and the zorgmelding, with the melder filled in."""
    page = console.client("melder@voorbeeld").get(NEW)
    assert page.status_code == 200
    for kind in ("beginnend-verzuim", "signaalverzuim", "zorgmelding"):
        assert f'<option value="{kind}"' in page.text
    assert f'value="{SCHOOL.contact_name}"' in page.text


@pytest.mark.parametrize("username", ["melder@voorbeeld", "beheer@voorbeeld"])
def test_filing_puts_the_melding_in_the_review_queue(console: Console, username: str) -> None:
    """Melder and beheerder alike file a melding; it is a concept with its content and what it misses."""
    client, csrf = _form(console, username)
    response = client.post(NEW, data={"csrf": csrf, **FILING})
    assert response.status_code == 303
    assert response.headers["location"].endswith("?bericht=ingediend")
    (melding,) = list_meldingen(console.store, SCHOOL.id, rule="signaalverzuim")
    assert melding.status == "concept" and melding.period_start.isoformat() == "2026-09-01"
    assert melding.missing == ["actions_taken", "actie_gewenst"]
    page = client.get(response.headers["location"])
    assert "ingediend en staat in de wachtrij" in page.text and "Zorgen over de thuissituatie" in page.text


def test_filing_twice_shows_the_first(console: Console) -> None:
    """The same student, kind and start date again leads to the first melding, with a note."""
    client, csrf = _form(console)
    first = client.post(NEW, data={"csrf": csrf, **FILING}).headers["location"].split("?")[0]
    again = client.post(NEW, data={"csrf": csrf, **FILING, "vermoedelijke_reden": "Iets anders"})
    assert again.status_code == 303
    assert again.headers["location"] == f"{first}?bericht=al-ingediend"
    assert len(list_meldingen(console.store, SCHOOL.id, rule="signaalverzuim")) == 1
    assert "al eerder ingediend" in client.get(again.headers["location"]).text


def test_filing_is_audited_with_the_users_name(console: Console) -> None:
    """The melding's creation names the console user who filed it."""
    client, csrf = _form(console)
    location = client.post(NEW, data={"csrf": csrf, **FILING}).headers["location"]
    melding_id = location.split("/")[-1].split("?")[0]
    assert get_melding(console.store, melding_id) is not None
    assert "melder@voorbeeld" in {e["actor"] for e in audit.entries(console.store, subject=melding_id)}


@pytest.mark.parametrize(("change", "named"), [
    ({"kind": "luxe-verzuim"}, "onbekende soort"),
    ({"student_id": "ONBEKEND"}, "onbekende leerling"),
    ({"period_start": "2026-09-10"}, "begindatum ligt na vandaag"),
    ({"period_end": "2026-08-01"}, "einddatum ligt voor de begindatum"),
    ({"period_start": "1-9-2026"}, "begindatum is geen geldige datum"),
    ({"period_start": ""}, "vul de begindatum in"),
    ({"leslocatie": "Elders"}, "onbekende leslocatie"),
    ({"phone": "x"}, "phone"),
])
def test_a_wrong_filing_is_refused_keeping_what_was_typed(console: Console, change: dict[str, str],
                                                          named: str) -> None:
    """A wrong kind, student, date or field answers 422 naming it; the form keeps the reason typed."""
    client, csrf = _form(console)
    response = client.post(NEW, data={"csrf": csrf, **FILING, **change})
    assert response.status_code == 422
    assert named in response.text
    assert "Zorgen over de thuissituatie" in response.text
    assert list_meldingen(console.store, SCHOOL.id, rule="signaalverzuim") == []


def test_filing_without_the_form_token_is_refused(console: Console) -> None:
    """A filing with a forged CSRF token gets 403 and files nothing."""
    client, _ = _form(console)
    assert client.post(NEW, data={"csrf": "vervalst", **FILING}).status_code == 403
    assert list_meldingen(console.store, SCHOOL.id, rule="signaalverzuim") == []


def test_filing_needs_a_session(console: Console) -> None:
    """Without a session the form redirects to the sign-in page."""
    assert console.client().get(NEW).status_code == 303
