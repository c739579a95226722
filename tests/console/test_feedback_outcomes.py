"""The feedback API with the Besluit's lists and the DSP's outcomes: reasons, toelichtingen, start
dates and the gemeentelijke contactpersoon; one report kept once; a receiver's own open meldingen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import cycle

import httpx
import pytest
import sqlalchemy as sa

from gateway.console.receivers import create_receiver_key
from gateway.delivery.routing import load_directory_data
from gateway.domain import receiver_status as rs
from gateway.store import audit, get_melding
from gateway.store.face_tables import feedback
from tests.console.conftest import Console
from tests.console.helpers import csrf_of, fill_in

PROBLEM = "application/problem+json"
DIRECTORY = load_directory_data()
CONTACT = {"naam": "Anna de Boer", "functie": "leerplichtambtenaar", "telefoon": "030-0000000",
           "email": "a.deboer@utrecht.example"}
# Each of the seven reasons, with the three toelichtingen in turn (so every code is used once at least).
REASONS = list(zip(rs.REDENEN_AFGESLOTEN, cycle(rs.TOELICHTINGEN_AFSLUITING), strict=False))


def _key(console: Console, organisation: str) -> str:
    return create_receiver_key(console.store, organisation, "test", actor="test", directory=DIRECTORY)[1]


def _deliver_all(console: Console, deliver: Callable[[], int]) -> None:
    """N1 (no-show, Den Helder), N2 (no-show, Utrecht) and S1 (16 uur, Utrecht) approved and received."""
    client = console.client("beheer@voorbeeld")
    csrf = csrf_of(client.get("/console/meldingen").text)
    for sid, rule in (("N1", "no-show"), ("N2", "no-show"), ("S1", "verzuim-16u")):
        melding = console.melding(rule, sid)
        fill_in(console.store, melding.id)
        client.post(f"/console/meldingen/{melding.id}/goedkeuren", data={"csrf": csrf})
    deliver()


def _post(console: Console, key: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{console.url}/api/v1/feedback", json=body,
                      headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _open(console: Console, key: str, query: str = "") -> httpx.Response:
    return httpx.get(f"{console.url}/api/v1/feedback/open{query}",
                     headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _rows(console: Console) -> list[sa.Row]:
    with console.store.read() as conn:
        return list(conn.execute(sa.select(feedback).order_by(feedback.c.id)))


def _feedback_audits(console: Console, melding_id: str) -> list[dict]:
    return [e for e in audit.entries(console.store, subject=melding_id) if e["action"] == "terugkoppeling"]


def _refused(response: httpx.Response, field: str) -> str:
    """The Dutch message of the one field a 422 problem names."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = [e for e in response.json()["errors"] if e["field"] == field]
    return str(error["message"])


# --- the Besluit's statuses, reasons and toelichtingen ------------------------------------------


@pytest.mark.parametrize(("reden", "toelichting"), REASONS)
def test_each_reason_and_toelichting_of_the_besluit_is_accepted_and_stored(
        console: Console, deliver: Callable[[], int], reden: str, toelichting: str) -> None:
    """Leerplicht closes S1's melding with a reason and a toelichting; both codes are stored and the
    console shows their Dutch labels."""
    _deliver_all(console, deliver)
    melding = console.melding("verzuim-16u", "S1")
    response = _post(console, _key(console, "leerplicht-0344"), {
        "melding_id": melding.id, "status": "Afgesloten", "reden": reden,
        "toelichting_afsluiting": toelichting, "contactpersoon": CONTACT})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "afgesloten"
    [row] = _rows(console)
    assert (row.status, row.reden, row.toelichting_afsluiting) == ("Afgesloten", reden, toelichting)
    page = console.client("melder@voorbeeld").get(f"/console/meldingen/{melding.id}").text
    assert rs.REDENEN_AFGESLOTEN[reden] in page and rs.TOELICHTINGEN_AFSLUITING[toelichting] in page


def test_afgesloten_from_a_gemeente_without_a_reason_is_refused(
        console: Console, deliver: Callable[[], int]) -> None:
    """The Besluit asks a gemeente why it closed: without reden 422 naming the field; nothing changes."""
    _deliver_all(console, deliver)
    melding = console.melding("verzuim-16u", "S1")
    message = _refused(_post(console, _key(console, "leerplicht-0344"),
                             {"melding_id": melding.id, "status": "Afgesloten"}), "reden")
    assert "verplicht" in message and "terug_naar_school" in message
    assert get_melding(console.store, melding.id).status == "ontvangen"
    assert _rows(console) == [] and _feedback_audits(console, melding.id) == []


def test_afgesloten_from_the_dsp_needs_no_reason(console: Console, deliver: Callable[[], int]) -> None:
    """A Doorstroompunt is no gemeente: it may close a no-show without a Besluit reason."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    response = _post(console, _key(console, "dsp-kop-van-nh"),
                     {"melding_id": melding.id, "status": "Afgesloten"})
    assert response.status_code == 200 and response.json()["status"] == "afgesloten"


def test_a_reason_with_another_status_is_refused(console: Console, deliver: Callable[[], int]) -> None:
    """A reason belongs to Afgesloten only."""
    _deliver_all(console, deliver)
    response = _post(console, _key(console, "leerplicht-0344"), {
        "melding_id": console.melding("verzuim-16u", "S1").id, "status": "In behandeling", "reden": "werk"})
    assert "alleen bij status 'Afgesloten'" in _refused(response, "reden")


def test_a_toelichting_afsluiting_with_another_status_is_refused(
        console: Console, deliver: Callable[[], int]) -> None:
    """A toelichting afsluiting belongs to Afgesloten only."""
    _deliver_all(console, deliver)
    response = _post(console, _key(console, "leerplicht-0344"), {
        "melding_id": console.melding("verzuim-16u", "S1").id, "status": "Ter kennisneming aangenomen",
        "toelichting_afsluiting": "geen_actie_meer"})
    assert "alleen bij status 'Afgesloten'" in _refused(response, "toelichting_afsluiting")


def test_an_unknown_reason_code_is_refused_naming_the_codes(console: Console) -> None:
    """A reason that is not one of the seven: 422 listing the seven codes."""
    response = _post(console, _key(console, "leerplicht-0344"),
                     {"melding_id": "x", "status": "Afgesloten", "reden": "verhuisd"})
    message = _refused(response, "reden")
    assert all(code in message for code in rs.REDENEN_AFGESLOTEN)


def test_an_unknown_status_is_refused_naming_the_accepted_ones(console: Console) -> None:
    """The Dutch message lists the Besluit's statuses and the DSP's outcomes."""
    message = _refused(_post(console, _key(console, "duo"), {"melding_id": "x", "status": "Verhuisd"}),
                       "status")
    assert "onbekende status" in message
    assert all(label in message for label in (*rs.BESLUIT_STATUSES, *rs.DSP_OUTCOMES))


def test_a_contactpersoon_needs_a_name(console: Console) -> None:
    """The gemeentelijke contactpersoon without naam: 422 naming contactpersoon.naam."""
    response = _post(console, _key(console, "leerplicht-0344"), {
        "melding_id": "x", "status": "In behandeling", "contactpersoon": {"functie": "leerplichtambtenaar"}})
    _refused(response, "contactpersoon.naam")


def test_the_contactpersoon_is_stored_encrypted(console: Console, deliver: Callable[[], int]) -> None:
    """The contactpersoon names a person: not in clear in the table, nor in the audit entry."""
    _deliver_all(console, deliver)
    melding = console.melding("verzuim-16u", "S1")
    response = _post(console, _key(console, "leerplicht-0344"),
                     {"melding_id": melding.id, "status": "In behandeling", "contactpersoon": CONTACT})
    assert response.status_code == 200
    [row] = _rows(console)
    assert row.contactpersoon is not None and "Anna" not in row.contactpersoon
    assert "Anna" not in str(_feedback_audits(console, melding.id))


# --- the DSP's outcomes and their start dates ----------------------------------------------------


@pytest.mark.parametrize("status", [rs.GESTART_BIJ_MBO, rs.GESTART_ELDERS])
def test_a_start_date_is_required_when_the_student_started(console: Console, status: str) -> None:
    """'Gestart bij mbo' and 'Gestart elders' without started_on: 422 naming started_on."""
    response = _post(console, _key(console, "dsp-kop-van-nh"), {"melding_id": "x", "status": status})
    assert "verplicht" in _refused(response, "started_on")


@pytest.mark.parametrize("status", [rs.NIET_GESTART, rs.UIT_BEELD, rs.IN_BEHANDELING])
def test_a_start_date_is_refused_when_the_student_did_not_start(console: Console, status: str) -> None:
    """A start date with any other outcome is refused: it would count in 'gestart vóór 1 oktober'."""
    response = _post(console, _key(console, "dsp-kop-van-nh"),
                     {"melding_id": "x", "status": status, "started_on": "2026-09-02"})
    assert "hoort alleen bij" in _refused(response, "started_on")


def test_a_start_date_in_the_future_is_refused(console: Console) -> None:
    """The app's date is 4 September 2026: a start on the 5th has not happened yet."""
    response = _post(console, _key(console, "dsp-kop-van-nh"),
                     {"melding_id": "x", "status": "Gestart elders", "started_on": "2026-09-05"})
    assert "05-09-2026 ligt na vandaag" in _refused(response, "started_on")


def test_the_start_date_is_stored_and_shown(console: Console, deliver: Callable[[], int]) -> None:
    """The DSP's start date is kept and the melding page shows it with the outcome and toelichting."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    response = _post(console, _key(console, "dsp-kop-van-nh"), {
        "melding_id": melding.id, "status": "Gestart elders", "started_on": "2026-09-02",
        "toelichting": "Ingeschreven bij het Clusius College",
        "contactpersoon": {"naam": "Piet Jansen", "functie": "trajectbegeleider"}})
    assert response.status_code == 200
    [row] = _rows(console)
    assert row.started_on == date(2026, 9, 2)
    page = console.client("melder@voorbeeld").get(f"/console/meldingen/{melding.id}").text
    for shown in ("Gestart elders", "2 sep 2026", "Clusius College", "Piet Jansen, trajectbegeleider"):
        assert shown in page


@pytest.mark.parametrize("spelling", ["Niet gestart – in begeleiding", "Niet gestart - in begeleiding",
                                      "niet gestart-in begeleiding", "NIET GESTART — IN BEGELEIDING"])
def test_en_dash_and_hyphen_are_both_accepted(console: Console, deliver: Callable[[], int],
                                              spelling: str) -> None:
    """Any dash and any case: the outcome is stored as the label with the en dash."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    response = _post(console, _key(console, "dsp-kop-van-nh"), {"melding_id": melding.id, "status": spelling})
    assert response.status_code == 200
    assert response.json()["receiver_status"] == rs.NIET_GESTART
    assert [row.status for row in _rows(console)] == [rs.NIET_GESTART]
    assert get_melding(console.store, melding.id).receiver_status == rs.NIET_GESTART


def test_uit_beeld_closes_the_no_show(console: Console, deliver: Callable[[], int]) -> None:
    """'Uit beeld' is a final outcome of the DSP."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    response = _post(console, _key(console, "dsp-kop-van-nh"),
                     {"melding_id": melding.id, "status": "uit beeld"})
    assert response.status_code == 200 and response.json()["status"] == "afgesloten"


def test_the_legacy_overgedragen_aan_derden_still_reads(console: Console, deliver: Callable[[], int]) -> None:
    """DUO's abolished value is taken and read as In behandeling."""
    _deliver_all(console, deliver)
    melding = console.melding("verzuim-16u", "S1")
    response = _post(console, _key(console, "duo"), {"melding_id": melding.id,
                                                     "status": "Overgedragen aan derden"})
    assert response.status_code == 200
    assert response.json()["status"] == "in_behandeling"
    assert response.json()["receiver_status"] == rs.IN_BEHANDELING


def test_a_legacy_row_shows_on_the_melding_page(console: Console, deliver: Callable[[], int]) -> None:
    """A row stored by an earlier version (hyphen, no digest, no codes) shows with today's label."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    with console.store.write() as conn:
        conn.execute(feedback.insert().values(
            melding_id=melding.id, school_id=melding.school_id, organisation="dsp-kop-van-nh",
            status="Niet gestart - in begeleiding", reported_on=date(2026, 9, 3),
            created_at=date(2026, 9, 3)))
    page = console.client("melder@voorbeeld").get(f"/console/meldingen/{melding.id}")
    assert page.status_code == 200 and rs.NIET_GESTART in page.text


# --- the same report twice -----------------------------------------------------------------------


def test_the_same_outcome_twice_is_stored_and_audited_once(
        console: Console, deliver: Callable[[], int]) -> None:
    """A DSP that posts its outcome again (a retry) gets the same answer; one row, one audit entry."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    key = _key(console, "dsp-kop-van-nh")
    body = {"melding_id": melding.id, "status": "Gestart bij mbo", "started_on": "2026-09-02",
            "toelichting": "Start na gesprek"}
    first, again = _post(console, key, body), _post(console, key, {**body, "status": "gestart BIJ mbo"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(_rows(console)) == 1
    assert len(_feedback_audits(console, melding.id)) == 1


def test_another_report_is_kept_as_a_new_row(console: Console, deliver: Callable[[], int]) -> None:
    """The same status with another toelichting is a new report: stored and audited again."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    key = _key(console, "dsp-kop-van-nh")
    for toelichting in ("Eerste gesprek gevoerd", "Jongerenpunt betrokken"):
        response = _post(console, key, {"melding_id": melding.id, "status": rs.NIET_GESTART,
                                        "toelichting": toelichting})
        assert response.status_code == 200
    assert len(_rows(console)) == 2
    assert len(_feedback_audits(console, melding.id)) == 2


def test_the_same_report_of_another_organisation_is_kept_too(
        console: Console, deliver: Callable[[], int]) -> None:
    """The digest includes the organisation: the RMC's report is not the DSP's."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N2")  # Utrecht: rmc-utrecht and dsp-utrecht may both report
    body = {"melding_id": melding.id, "status": rs.NIET_GESTART}
    for organisation in ("dsp-utrecht", "rmc-utrecht"):
        assert _post(console, _key(console, organisation), body).status_code == 200
    assert [row.organisation for row in _rows(console)] == ["dsp-utrecht", "rmc-utrecht"]


def test_a_refused_move_keeps_no_row(console: Console, deliver: Callable[[], int]) -> None:
    """After Afgesloten, 'In behandeling' is a conflict (409): no feedback row is left behind."""
    _deliver_all(console, deliver)
    melding = console.melding("no-show", "N1")
    key = _key(console, "dsp-kop-van-nh")
    assert _post(console, key, {"melding_id": melding.id, "status": "Uit beeld"}).status_code == 200
    response = _post(console, key, {"melding_id": melding.id, "status": "In behandeling"})
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    assert len(_rows(console)) == 1


# --- a receiver's own open meldingen -------------------------------------------------------------


def test_a_receiver_lists_its_own_open_meldingen_only(console: Console, deliver: Callable[[], int]) -> None:
    """dsp-kop-van-nh sees N1's no-show (Den Helder), not N2's (Utrecht) nor S1's 16-uur melding."""
    _deliver_all(console, deliver)
    response = _open(console, _key(console, "dsp-kop-van-nh"))
    assert response.status_code == 200
    listed = response.json()
    assert [item["melding_id"] for item in listed["items"]] == [console.melding("no-show", "N1").id]
    assert (listed["total"], listed["next"]) == (1, None)


def test_a_gemeente_lists_the_meldingen_of_its_residents(
        console: Console, deliver: Callable[[], int]) -> None:
    """leerplicht-0344 sees S1's 16-uur melding (Utrecht), not the no-shows addressed to the DSP."""
    _deliver_all(console, deliver)
    listed = _open(console, _key(console, "leerplicht-0344")).json()
    assert [item["melding_id"] for item in listed["items"]] == [console.melding("verzuim-16u", "S1").id]


def test_the_open_list_holds_no_personal_data(console: Console, deliver: Callable[[], int]) -> None:
    """Ids, rule, dates and statuses: no student number, name or BSN."""
    _deliver_all(console, deliver)
    [item] = _open(console, _key(console, "dsp-kop-van-nh")).json()["items"]
    assert set(item) == {"melding_id", "school_id", "rule", "recipient", "status", "receiver_status",
                         "receiver_reference", "trigger_date", "period_start", "period_end", "delivered_at"}
    assert (item["rule"], item["status"]) == ("no-show", "ontvangen")


def test_the_open_list_is_paged(console: Console, deliver: Callable[[], int]) -> None:
    """DUO (no area) sees all three; two per page: a next link, then the last page without one."""
    _deliver_all(console, deliver)
    key = _key(console, "duo")
    first = _open(console, key, "?limit=2").json()
    assert (len(first["items"]), first["total"], first["limit"], first["offset"]) == (2, 3, 2, 0)
    assert first["next"] == "/api/v1/feedback/open?limit=2&offset=2"
    last = _open(console, key, first["next"].removeprefix("/api/v1/feedback/open")).json()
    assert (len(last["items"]), last["next"]) == (1, None)
    ids = {item["melding_id"] for item in first["items"] + last["items"]}
    assert len(ids) == 3


def test_a_closed_melding_leaves_the_open_list(console: Console, deliver: Callable[[], int]) -> None:
    """Once the DSP reports 'Gestart elders', N1 is no longer open for it."""
    _deliver_all(console, deliver)
    key = _key(console, "dsp-kop-van-nh")
    _post(console, key, {"melding_id": console.melding("no-show", "N1").id, "status": "Gestart elders",
                         "started_on": "2026-09-02"})
    assert _open(console, key).json()["total"] == 0


def test_meldingen_not_sent_are_not_listed(console: Console) -> None:
    """Meldingen still waiting for approval are nobody's to report on yet."""
    assert _open(console, _key(console, "duo")).json()["items"] == []


def test_the_open_list_needs_a_key(console: Console) -> None:
    """Without a key: 401 problem+json."""
    response = httpx.get(f"{console.url}/api/v1/feedback/open", timeout=30)
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM


def test_the_open_list_refuses_a_page_too_large(console: Console) -> None:
    """limit above 200: 422 naming limit."""
    _refused(_open(console, _key(console, "duo"), "?limit=201"), "limit")


def test_the_open_list_of_a_key_whose_region_is_unknown_is_403(console: Console) -> None:
    """A key for a region the directory lacks lists nothing: 403 naming the region."""
    _, key = create_receiver_key(console.store, "dsp-nergens", actor="test", directory=None)
    response = _open(console, key)
    assert response.status_code == 403 and "regio 'nergens'" in response.json()["detail"]
