"""The console over plain HTTP (httpx against the real uvicorn server): sign-in, CSRF, school
isolation, review and approval, content reaching the channel, withdrawal, dead letters, pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from gateway.console import auth, queries
from gateway.console.feedback import FeedbackEntry, store_feedback
from gateway.delivery.outbox import list_rows
from gateway.domain.errors import PermanentDeliveryError
from gateway.store import audit, get_melding, utcnow
from gateway.store.schema import audit_log, meldingen
from tests.console.conftest import Console
from tests.console.helpers import (
    COMPLETE_FORM,
    LESLOCATIES,
    OTHER_NAME,
    PASSWORD,
    SCHOOL,
    csrf_of,
    fill_in,
    sign_in,
)
from tests.store.helpers import NAME, FakeChannel

MELDER, BEHEER, ANDER = "melder@voorbeeld", "beheer@voorbeeld", "melder@ander"


def test_sign_in_opens_the_review_queue(console: Console) -> None:
    """The right password gives a session cookie (HttpOnly, SameSite=Strict) and the school's queue."""
    client = console.client()
    response = sign_in(client, MELDER)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/meldingen?actie=1"
    cookie = response.headers["set-cookie"]
    assert "vg_sessie=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get("/console/meldingen")
    assert page.status_code == 200
    listed = page.text[page.text.index('id="meldingen"'):]
    assert NAME in listed and "<td>16 uur in 4 lesweken</td>" in listed
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_wrong_password_is_refused(console: Console) -> None:
    """A wrong password gives 401, the sign-in form again with a message, and no session."""
    client = console.client()
    response = sign_in(client, MELDER, PASSWORD + "x")
    assert response.status_code == 401
    assert "Onjuiste gebruikersnaam of wachtwoord" in response.text
    assert "vg_sessie" not in response.headers.get("set-cookie", "")
    assert client.get("/console/meldingen").status_code == 303


def test_unknown_user_is_refused_like_a_wrong_password(console: Console) -> None:
    """An unknown user name gets the same answer as a wrong password."""
    response = sign_in(console.client(), "niemand@voorbeeld")
    assert response.status_code == 401
    assert "Onjuiste gebruikersnaam of wachtwoord" in response.text


def test_five_wrong_passwords_lock_the_account(console: Console) -> None:
    """After five wrong passwords in a row even the right one is refused for a while; audited."""
    for _ in range(auth.MAX_FAILED_LOGINS):
        assert sign_in(console.client(), MELDER, PASSWORD + "x").status_code == 401
    assert sign_in(console.client(), MELDER).status_code == 401
    assert "gebruiker.geblokkeerd" in [e["action"] for e in audit.entries(console.store, subject=MELDER)]


def test_a_lock_ends_after_its_time(console: Console) -> None:
    """Once the lockout has passed the right password works again."""
    for _ in range(auth.MAX_FAILED_LOGINS):
        sign_in(console.client(), MELDER, PASSWORD + "x")
    later = utcnow() + auth.LOCKOUT + timedelta(seconds=1)
    assert auth.authenticate(console.store, MELDER, PASSWORD, now=later) is not None


def test_a_right_password_resets_the_count_of_failures(console: Console) -> None:
    """Failures only lock when they come in a row."""
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        sign_in(console.client(), MELDER, PASSWORD + "x")
    assert sign_in(console.client(), MELDER).status_code == 303
    sign_in(console.client(), MELDER, PASSWORD + "x")
    assert sign_in(console.client(), MELDER).status_code == 303


def test_pages_need_a_session(console: Console) -> None:
    """Without a session every page redirects to the sign-in page, keeping the target."""
    response = console.client().get("/console/termijnen")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/aanmelden?next=/console/termijnen"


def test_sign_in_without_the_form_token_is_refused(console: Console) -> None:
    """A sign-in POST without the form's CSRF cookie and token (login CSRF) gets 403."""
    response = console.client().post("/console/aanmelden", data={"username": MELDER, "password": PASSWORD,
                                                                  "csrf": "geraden"})
    assert response.status_code == 403


def test_approval_without_csrf_token_is_refused(console: Console) -> None:
    """A signed-in POST with a wrong CSRF token gets 403 and changes nothing."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    response = client.post(f"/console/meldingen/{melding.id}/goedkeuren", data={"csrf": "vervalst"})
    assert response.status_code == 403
    assert get_melding(console.store, melding.id).status == "concept"


def test_other_schools_melding_is_not_found(console: Console) -> None:
    """A user of another school gets 404 for the melding and cannot approve it."""
    client = console.client(ANDER)
    melding = console.melding("verzuim-16u", "S1")
    assert client.get(f"/console/meldingen/{melding.id}").status_code == 404
    csrf = csrf_of(client.get("/console/meldingen").text)
    response = client.post(f"/console/meldingen/{melding.id}/goedkeuren", data={"csrf": csrf})
    assert response.status_code == 404
    assert get_melding(console.store, melding.id).status == "concept"


def test_lists_show_only_the_users_school(console: Console) -> None:
    """Each school's user sees only its own students in every list."""
    ours = console.client(MELDER)
    theirs = console.client(ANDER)
    for path in ("/console/meldingen", "/console/termijnen", "/console/no-show", "/console/leerlingen"):
        assert OTHER_NAME not in ours.get(path).text
        assert NAME not in theirs.get(path).text
    assert OTHER_NAME in theirs.get("/console/meldingen").text
    assert theirs.get("/console/leerlingen/S1").status_code == 404


def test_viewing_a_melding_is_audited(console: Console) -> None:
    """Opening a melding writes a 'melding.bekeken' entry naming the user; the page shows evidence."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    page = client.get(f"/console/meldingen/{melding.id}")
    assert page.status_code == 200
    assert "Onderbouwing (8 registraties)" in page.text
    assert melding.signal["explanation"][:30] in page.text
    views = [e for e in audit.entries(console.store, subject=melding.id) if e["action"] == "melding.bekeken"]
    assert [e["actor"] for e in views] == [MELDER]


def test_a_long_evidence_list_says_how_much_is_shown(
        console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the page's row limit the count stays the full one and a note says only the first are shown."""
    monkeypatch.setattr(queries, "MAX_ROWS", 3)
    melding = console.melding("verzuim-16u", "S1")
    page = console.client(MELDER).get(f"/console/meldingen/{melding.id}")
    assert "Onderbouwing (8 registraties)" in page.text
    assert "de eerste 3 van de 8 getelde registraties" in page.text


def test_content_reaches_the_channel(console: Console, channel: FakeChannel) -> None:
    """Actie gewenst, toelichting, concerns and actions are stored and the worker hands them on."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    response = client.post(f"/console/meldingen/{melding.id}/inhoud", data={
        **COMPLETE_FORM, "csrf": csrf, "toelichting": "Graag huisbezoek.",
        "acties": "Gebeld\nMail aan ouders"})
    assert response.status_code == 303
    assert client.post(f"/console/meldingen/{melding.id}/goedkeuren", data={"csrf": csrf}).status_code == 303
    claimed = console.worker(channel)
    from gateway.delivery import outbox  # noqa: PLC0415 - the worker's own claim step
    claim = outbox.claim(console.store, "t", claimed.lease)
    assert claim is not None
    content = claimed.outgoing(claim).content
    assert content.actie_gewenst is True
    assert content.toelichting == "Graag huisbezoek."
    assert content.concerns == frozenset({"dreigende_uitval", "problemen_buiten_school"})
    assert content.actions_taken == ("Gebeld", "Mail aan ouders")
    assert content.leslocatie == LESLOCATIES[0]
    assert content.melder is not None and content.melder.naam == SCHOOL.contact_name


def test_toelichting_is_encrypted_at_rest(console: Console) -> None:
    """The free text may name people, so the stored content holds none of it in plain."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    client.post(f"/console/meldingen/{melding.id}/inhoud", data={
        "csrf": csrf, "toelichting": "Moeder Jansen gesproken", "acties": "Huisbezoek bij Jansen"})
    with console.store.read() as conn:
        stored = conn.scalar(sa.select(meldingen.c.content).where(meldingen.c.id == melding.id))
    assert stored and "Jansen" not in stored
    assert "Moeder Jansen gesproken" in client.get(f"/console/meldingen/{melding.id}").text


def test_approved_melding_is_delivered_and_shown(console: Console, deliver: Callable[[], int]) -> None:
    """Approval releases the melding; after the worker ran the page shows 'ontvangen' and the reference."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    fill_in(console.store, melding.id)
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    response = client.post(f"/console/meldingen/{melding.id}/goedkeuren", data={"csrf": csrf})
    assert response.headers["location"].endswith("bericht=goedgekeurd")
    assert get_melding(console.store, melding.id).approved_by == MELDER
    assert deliver() == 1
    page = client.get(f"/console/meldingen/{melding.id}").text
    assert 'id="status">ontvangen<' in page and "REF-" in page


def test_only_a_beheerder_may_withdraw(console: Console) -> None:
    """A melder gets 403 on withdrawal; a beheerder withdraws with a reason."""
    melding = console.melding("verzuim-16u", "S1")
    melder = console.client(MELDER)
    csrf = csrf_of(melder.get(f"/console/meldingen/{melding.id}").text)
    assert melder.post(f"/console/meldingen/{melding.id}/intrekken",
                       data={"csrf": csrf, "reden": "registratiefout"}).status_code == 403
    beheer = console.client(BEHEER)
    csrf = csrf_of(beheer.get(f"/console/meldingen/{melding.id}").text)
    response = beheer.post(f"/console/meldingen/{melding.id}/intrekken",
                           data={"csrf": csrf, "reden": "registratiefout"})
    assert response.status_code == 303
    assert get_melding(console.store, melding.id).status == "ingetrokken"


def test_dead_letter_is_listed_and_offered_again(console: Console, channel: FakeChannel,
                                                 deliver: Callable[[], int]) -> None:
    """A refused melding shows with the receiver's reason; 'opnieuw aanbieden' delivers it after all."""
    melding = console.melding("verzuim-16u", "S1")
    channel.fail("S1", PermanentDeliveryError("afgewezen", receiver_text="VZ010 BSN onbekend"))
    client = console.client(BEHEER)
    fill_in(console.store, melding.id)
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    client.post(f"/console/meldingen/{melding.id}/goedkeuren", data={"csrf": csrf})
    deliver()
    page = client.get("/console/onbestelbaar").text
    assert "VZ010 BSN onbekend" in page and NAME in page
    response = client.post(f"/console/onbestelbaar/{melding.id}/opnieuw",
                           data={"csrf": csrf, "reden": "BSN hersteld"})
    assert response.status_code == 303
    (row,) = list_rows(console.store, school_id="25AB00", states=("pending",))
    assert row["parent_id"] is not None and row["requested_by"] == BEHEER
    deliver()
    assert get_melding(console.store, melding.id).status == "ontvangen"
    assert "Er zijn geen onbestelbare meldingen" in client.get("/console/onbestelbaar").text


def test_a_melder_cannot_offer_a_dead_letter_again(console: Console) -> None:
    """Re-offering is for a beheerder: a melder gets 403."""
    melding = console.melding("verzuim-16u", "S1")
    client = console.client(MELDER)
    csrf = csrf_of(client.get("/console/meldingen").text)
    assert client.post(f"/console/onbestelbaar/{melding.id}/opnieuw", data={"csrf": csrf}).status_code == 403


def test_deadlines_count_working_days_and_flag_overdue(console: Console) -> None:
    """On Friday 4 September the no-shows are due Tuesday (2 working days); later they are overdue."""
    client = console.client(MELDER)
    page = client.get("/console/termijnen").text
    assert "Niets te laat" in page
    assert '<td class="due">08-09-2026</td>\n    <td class="num">2</td>' in page
    console.today = date(2026, 9, 10)
    page = client.get("/console/termijnen").text
    assert 'id="te-laat-aantal">3 te laat.' in page


def test_student_audit_trail(console: Console) -> None:
    """The audit trail of a student lists the views and the decision of their melding, newest first."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    client.get(f"/console/meldingen/{melding.id}")
    page = client.get("/console/audit", params={"leerling": "S1"}).text
    assert page.index(f"Melding bekeken door {MELDER}") < page.index("gemaakt door de regels")


def test_no_show_board_and_monitor_figures(console: Console, deliver: Callable[[], int]) -> None:
    """The board shows each no-show's outcome; the monitor counts herstarters, uitvallers and shares."""
    client = console.client(MELDER)
    n1, n2 = console.melding("no-show", "N1"), console.melding("no-show", "N2")
    csrf = csrf_of(client.get("/console/no-show").text)
    for m in (n1, n2):
        fill_in(console.store, m.id)
        client.post(f"/console/meldingen/{m.id}/goedkeuren", data={"csrf": csrf})
    deliver()
    store_feedback(console.store, "25AB00",
                   FeedbackEntry(n1.id, "dsp-kop-van-nh", "Gestart bij mbo", "Start 14-9", date(2026, 9, 14)))
    store_feedback(console.store, "25AB00",
                   FeedbackEntry(n2.id, "dsp-kop-van-nh", "Niet gestart - in begeleiding", None,
                                 date(2026, 9, 15)))
    board = client.get("/console/no-show").text
    assert "Gestart bij mbo" in board and "Start 14-9" in board and "Niet gestart – in begeleiding" in board
    monitor = client.get("/console/monitor").text
    assert 'id="verwerkt">100,0%' in monitor  # both reported on within seconds of their receipt
    assert 'id="gestart">0,0%' in monitor  # "gestart" counts by start date, and none was given
    assert 'id="herstarters">1<' in monitor and 'id="doorgeleid">1<' in monitor
    assert "<svg" in monitor and "niet gehaald" in monitor


def test_sign_out_ends_the_session(console: Console) -> None:
    """After signing out the old cookie no longer opens any page."""
    client = console.client(MELDER)
    cookie = client.cookies.get("vg_sessie")
    csrf = csrf_of(client.get("/console/meldingen").text)
    assert client.post("/console/afmelden", data={"csrf": csrf}).status_code == 303
    stale = console.client()
    stale.cookies.set("vg_sessie", cookie or "")
    assert stale.get("/console/meldingen").status_code == 303


def test_no_personal_data_in_the_audit_log(console: Console) -> None:
    """Signing in, viewing and editing leave no student name in the audit log."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    client.post(f"/console/meldingen/{melding.id}/inhoud", data={"csrf": csrf, "toelichting": "zie dossier"})
    with console.store.read() as conn:
        text = json.dumps([list(r) for r in conn.execute(sa.select(audit_log.c.data, audit_log.c.subject))])
    assert NAME not in text and "zie dossier" not in text
