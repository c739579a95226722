"""The audit trail page (/console/audit): entries in words and local time, filtered through the URL,
paged with totals, and the chain's verification (issue 19)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from gateway import pipeline
from gateway.console import audit_trail
from gateway.console.audit_words import SENTENCES, describe
from gateway.store import Store, audit
from gateway.store.schema import audit_log
from tests.console.conftest import Console
from tests.console.helpers import SCHOOL, csrf_of, fill_in

MELDER, BEHEER = "melder@voorbeeld", "beheer@voorbeeld"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _trail(client: httpx.Client, status: int = 200, **params: str) -> str:
    response = client.get("/console/audit", params=params)
    assert response.status_code == status, response.text
    return response.text


def _sentences(page: str) -> list[str]:
    """The trail's sentences as a person reads them (entities unescaped)."""
    found = re.findall(r'<td class="what">(.*?)</td>', page, re.S)
    return [html.unescape(re.sub(r"\s+", " ", s).strip()) for s in found]


def _caption(html: str) -> str:
    return re.search(r"<caption>(.*?)</caption>", html, re.S).group(1)  # type: ignore[union-attr]


def _append(console: Console, action: str, n: int = 1, subject: str | None = None, **data: object) -> None:
    with console.store.write() as conn:
        for _ in range(n):
            audit.append(conn, actor="test", action=action, school_id=SCHOOL.id, subject=subject, data=data)


def _withdraw(console: Console, reden: str = "registratiefout") -> str:
    melding = console.melding("verzuim-16u", "S1")
    client = console.client(BEHEER)
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    assert client.post(f"/console/meldingen/{melding.id}/intrekken",
                       data={"csrf": csrf, "reden": reden}).status_code == 303
    return melding.id


# --- in words -------------------------------------------------------------------------------------


def test_a_delivery_reads_as_a_sentence(console: Console, deliver: Callable[[], int]) -> None:
    """'Melding verzonden naar DUO door worker console-test' with the receiver's reference."""
    fill_in(console.store, console.melding("verzuim-16u", "S1").id)
    pipeline.approve(console.store, SCHOOL.id, console.melding("verzuim-16u", "S1").id, MELDER)
    deliver()
    said = _sentences(_trail(console.client(MELDER), soort="verzending"))
    assert len(said) == 1
    assert said[0].startswith("Melding verzonden naar DUO door worker console-test (kenmerk REF-")


def test_a_withdrawal_reads_with_who_and_why(console: Console) -> None:
    """'Melding ingetrokken door beheer@voorbeeld: registratiefout'."""
    _withdraw(console)
    assert _sentences(_trail(console.client(MELDER), soort="intrekking")) == [
        f"Melding ingetrokken door {BEHEER}: registratiefout"]


def test_feedback_reads_with_the_receivers_name(console: Console, deliver: Callable[[], int]) -> None:
    """A report of Leerplicht Utrecht's key names the organisation, not its key."""
    melding = console.melding("verzuim-16u", "S1")
    fill_in(console.store, melding.id)
    pipeline.approve(console.store, SCHOOL.id, melding.id, MELDER)
    deliver()
    pipeline.record_feedback(console.store, melding.id, "In behandeling", "ontvanger:leerplicht-0344")
    assert _sentences(_trail(console.client(MELDER), soort="terugkoppeling")) == [
        "Terugkoppeling 'In behandeling' van Leerplicht Utrecht"]


def test_no_entry_reads_as_key_value_pairs(console: Console) -> None:
    """The rules' decisions and the evaluation in words: no 'key=value', no rule code."""
    page = _trail(console.client(MELDER))
    text = " ".join(_sentences(page))
    assert "=" not in text and "verzuim-16u" not in text
    assert "Melding '16 uur in 4 lesweken' gemaakt door de regels" in text
    assert "Evaluatie van 4 sep 2026 door de dagelijkse evaluatie: 3 leerlingen bekeken" in text


def test_every_action_the_gateway_writes_has_a_sentence() -> None:
    """Each action found in the code is in the table."""
    written = {"melding.bekeken", "melding.inhoud", "melding.goedgekeurd", "melding.vrijgegeven",
               "melding.ingetrokken", "melding.verzonden", "melding.intrekking_verzonden", "melding.fallback",
               "outbox.opnieuw", "outbox.onzeker", "outbox.onbestelbaar", "outbox.niet_te_routeren",
               "outbox.pauze", "outbox.hervat", "outbox.nu_opnieuw", "outbox.replay", "terugkoppeling",
               "besluit", "evaluatie", "ingest.batch", "ingest.afgewezen", "taak.afgesloten",
               "alert.uiterste_datum", "alert.ontvanger_te_laat.contact",
               "alert.ontvanger_te_laat.terugkoppeling", "alert.ontvanger_te_laat.actieplan",
               "config.school", "api-sleutel.aangemaakt", "api-sleutel.ingetrokken",
               "ontvanger-sleutel.aangemaakt", "ontvanger-sleutel.ingetrokken", "gebruiker.aangemaakt",
               "gebruiker.geblokkeerd", "console.aangemeld", "console.afgemeld",
               "sleutels.opnieuw_versleuteld", "retentie"}
    assert written <= set(SENTENCES)


def test_an_unknown_action_still_reads_as_a_sentence(console: Console) -> None:
    """An action the table does not know: a plain sentence, the page does not fail."""
    client = console.client(MELDER)
    _append(console, "iets.nieuws_gebeurd", waarde=3)
    assert _sentences(_trail(client))[0] == "Gebeurtenis 'iets nieuws gebeurd' door test"


def test_data_of_an_unexpected_shape_falls_back_to_the_plain_sentence() -> None:
    """A known action with data it cannot read does not fail."""
    said = describe("taak.afgesloten", "x", {"contactpoging": "geen"})
    assert said == "Gebeurtenis 'taak afgesloten' door x"


def test_a_melding_subject_links_to_its_page(console: Console) -> None:
    """The melding column names the rule and student and links to the melding."""
    melding = console.melding("verzuim-16u", "S1")
    page = _trail(console.client(MELDER), melding=melding.id)
    assert f'<a href="/console/meldingen/{melding.id}">16 uur in 4 lesweken</a>' in page


# --- local time -----------------------------------------------------------------------------------


def test_times_are_shown_in_amsterdam_time(console: Console) -> None:
    """The newest entry's stored UTC moment is shown as Europe/Amsterdam time."""
    client = console.client(MELDER)
    _append(console, "melding.bekeken")
    [newest] = audit.entries(console.store, school_id=SCHOOL.id, limit=1)
    local = datetime.fromisoformat(newest["ts"]).astimezone(AMSTERDAM)
    page = _trail(client)
    first = re.search(r'<td class="when"><time [^>]*>([^<]*)</time>', page).group(1)  # type: ignore[union-attr]
    assert first.endswith(f"{local:%H:%M}") and str(local.day) in first


# --- filters --------------------------------------------------------------------------------------


def test_the_leerling_filter_shows_the_entries_of_their_meldingen(console: Console) -> None:
    """S1 has one melding: its decision, and nothing about N1's no-show."""
    said = _sentences(_trail(console.client(MELDER), leerling="S1"))
    assert said == ["Melding '16 uur in 4 lesweken' gemaakt door de regels (verwerkt door de dagelijkse "
                    "evaluatie); status te beoordelen"]


def test_the_melding_filter_shows_one_meldings_entries(console: Console) -> None:
    """A view of S1's melding and its decision, newest first."""
    melding = console.melding("verzuim-16u", "S1")
    client = console.client(MELDER)
    client.get(f"/console/meldingen/{melding.id}")
    said = _sentences(_trail(client, melding=melding.id))
    assert said[0] == f"Melding bekeken door {MELDER}" and len(said) == 2


def test_the_soort_filter_shows_one_kind_of_event(console: Console) -> None:
    """'aanmelding': the sign-ins only."""
    said = _sentences(_trail(console.client(MELDER), soort="aanmelding"))
    assert said == [f"{MELDER} aangemeld op de console"]


def test_the_wie_filter_matches_part_of_the_actor(console: Console) -> None:
    """'beheer' finds the beheerder's withdrawal and sign-in, not the melder's."""
    _withdraw(console)
    said = _sentences(_trail(console.client(MELDER), wie="beheer"))
    assert MELDER not in " ".join(said) and f"Melding ingetrokken door {BEHEER}: registratiefout" in said


def test_the_date_filters_take_local_days(console: Console) -> None:
    """Today (Amsterdam) holds every entry; from tomorrow or up to yesterday nothing."""
    today = datetime.now(AMSTERDAM).date()
    client = console.client(MELDER)
    none = "Geen gebeurtenissen die bij deze filters passen"
    assert _sentences(_trail(client, van=today.isoformat(), tot=today.isoformat()))
    assert none in _trail(client, van=(today + timedelta(1)).isoformat())
    assert none in _trail(client, tot=(today - timedelta(1)).isoformat())


def test_an_invalid_date_is_shown_beside_its_field(console: Console) -> None:
    """422, the message after the input, what was typed kept."""
    page = _trail(console.client(MELDER), 422, van="31-02-2026")
    assert re.search(r'<input id="van" name="van" type="date" value="31-02-2026" aria-invalid="true" '
                     r'aria-describedby="van-fout">\s*<p class="field-error" id="van-fout">'
                     r'geen geldige datum', page)
    assert 'id="audit"' not in page


def test_an_end_before_the_start_is_refused(console: Console) -> None:
    """tot before van: 422 beside tot."""
    page = _trail(console.client(MELDER), 422, van="2026-09-10", tot="2026-09-01")
    assert 'id="tot-fout">de einddatum ligt voor de begindatum<' in page


def test_an_unknown_soort_is_refused(console: Console) -> None:
    """A kind of event the page does not offer: 422 beside the choice."""
    assert 'id="soort-fout">onbekende soort gebeurtenis' in _trail(console.client(MELDER), 422, soort="alles")


def test_a_leerling_without_meldingen_is_refused(console: Console) -> None:
    """Another school's student (or none at all): 422 beside the field, nothing listed."""
    page = _trail(console.client(MELDER), 422, leerling="X1")
    assert 'id="leerling-fout">geen meldingen van deze leerling bij uw school<' in page


def test_another_schools_melding_is_refused(console: Console) -> None:
    """The other school's melding id is not one of ours."""
    theirs = console.melding("verzuim-16u", "X1", school_id="88YY00")
    page = _trail(console.client(MELDER), 422, melding=theirs.id)
    assert 'id="melding-fout">geen melding met dit id bij uw school<' in page


def test_an_unknown_parameter_is_refused(console: Console) -> None:
    """A parameter the page does not know is named."""
    page = _trail(console.client(MELDER), 422, student="S1")
    assert "onbekende filter &#39;student&#39; in het adres" in page


def test_only_the_users_school_is_shown(console: Console) -> None:
    """The other school's decisions and users are not in our trail."""
    said = " ".join(_sentences(_trail(console.client(MELDER), per="200")))
    assert "melder@ander" not in said


# --- paging ---------------------------------------------------------------------------------------


def test_paging_shows_totals_and_walks_the_pages(console: Console) -> None:
    """60 more entries: 25 per page, newest first, 'Pagina 2 van N' and the links kept filtered."""
    _append(console, "melding.bekeken", 60, subject=console.melding("verzuim-16u", "S1").id)
    client = console.client(MELDER)
    total = len(audit.entries(console.store, school_id=SCHOOL.id, limit=1000))
    first = _trail(client, per="25", soort="inzage")
    assert _caption(first).startswith("1–25 van 60 gebeurtenissen")
    assert 'href="/console/audit?soort=inzage&amp;pagina=2&amp;per=25" rel="next">Volgende<' in first
    second = _trail(client, per="25", soort="inzage", pagina="2")
    assert "Pagina 2 van 3" in second and _caption(second).startswith("26–50 van 60")
    assert _caption(_trail(client)).startswith(f"1–50 van {total}")


def test_a_page_number_below_one_is_refused(console: Console) -> None:
    """pagina=0: 422 with a message."""
    page = _trail(console.client(MELDER), 422, pagina="0")
    assert 'id="pagina-fout">paginanummer moet 1 of hoger zijn<' in page


# --- the chain's verification ---------------------------------------------------------------------


def _check(client: httpx.Client) -> str:
    csrf = csrf_of(client.get("/console/audit").text)
    response = client.post("/console/audit/controleren", data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/console/audit"
    return re.sub(r"\s+", " ", re.search(r'<p id="keten"[^>]*>(.*?)</p>', client.get("/console/audit").text,
                                         re.S).group(1)).strip()  # type: ignore[union-attr]


def test_before_any_check_the_page_says_so(console: Console) -> None:
    """No verification yet: said, with the button."""
    page = _trail(console.client(MELDER))
    assert "De keten is nog niet vanuit de console gecontroleerd." in page and "Keten nu controleren" in page


def test_a_sound_chain_is_reported_in_order(console: Console) -> None:
    """'Keten gecontroleerd: in orde, N regels', N the entries before the check."""
    client = console.client(MELDER)
    client.get("/console/audit")
    with console.store.read() as conn:
        entries = conn.scalar(sa.select(sa.func.count()).select_from(audit_log))
    assert _check(client).startswith(f"Keten gecontroleerd: in orde, {entries} regels (op ")


def test_a_tampered_entry_is_named(console: Console) -> None:
    """An entry changed in the database: the check names it, in words, as the first broken one."""
    client = console.client(MELDER)
    melding = console.melding("verzuim-16u", "S1")
    with console.store.write() as conn:
        seq = conn.scalar(sa.select(audit_log.c.seq).where(audit_log.c.subject == melding.id,
                                                           audit_log.c.action == "besluit"))
        conn.execute(audit_log.update().where(audit_log.c.seq == seq).values(actor="iemand anders"))
    said = _check(client)
    assert said.startswith("Keten gecontroleerd op ") and f"verbroken bij regel {seq} " in said
    assert "gemaakt door de regels (verwerkt door iemand anders)" in said
    assert "inhoud past niet bij de opgeslagen hash" in said


def test_the_check_needs_the_forms_token(console: Console) -> None:
    """Without the session's CSRF token: 403 and no check recorded."""
    client = console.client(MELDER)
    assert client.post("/console/audit/controleren", data={"csrf": "vervalst"}).status_code == 403
    assert "nog niet vanuit de console gecontroleerd" in _trail(client)


def test_the_check_is_itself_in_the_trail(console: Console) -> None:
    """The check becomes an entry under 'beheer'."""
    client = console.client(MELDER)
    _check(client)
    said = _sentences(_trail(client, soort="beheer"))
    assert said[0].startswith(f"Auditketen gecontroleerd door {MELDER}: in orde, ")


def test_the_day_filter_uses_the_date_type(console: Console) -> None:
    """The date inputs are type=date with the ISO value kept (a bookmark keeps the view)."""
    page = _trail(console.client(MELDER), van="2026-09-01")
    assert '<input id="van" name="van" type="date" value="2026-09-01">' in page


# --- the trail's queries on both databases ---------------------------------------------------------


def test_the_filters_and_the_check_work_on_both_databases(bare_store: Store) -> None:
    """Who (a literal '%' and '_' in the text), local days, kind, paging and the recorded check."""
    with bare_store.write() as conn:
        for actor in ("a_b%c", "axbyc", "ander"):
            audit.append(conn, actor=actor, action="console.aangemeld", school_id=SCHOOL.id, data={})
        audit.append(conn, actor="x", action="melding.bekeken", school_id="88YY00", data={})
    today = datetime.now(AMSTERDAM).date()

    def found(**params: str) -> list[str]:
        filters, errors = audit_trail.parse_trail(params)
        assert errors == {}
        return [e.actor for e in audit_trail.trail_page(bare_store, SCHOOL.id, filters).entries]

    assert found(wie="a_b%") == ["a_b%c"]
    newest_first = ["ander", "axbyc", "a_b%c"]
    assert found(soort="aanmelding", van=today.isoformat(), tot=today.isoformat()) == newest_first
    assert found(van=(today + timedelta(1)).isoformat()) == []
    assert found(per="25", pagina="2") == []
    checked = audit_trail.verify_and_record(bare_store, SCHOOL.id, "beheer")
    assert checked.ok and checked.entries == 4
    last = audit_trail.last_verification(bare_store)
    assert last is not None and (last.ok, last.entries) == (True, 4)


def test_signing_out_shows_in_the_school_s_trail(console: Console) -> None:
    """Sign-out is an entry of the user's school, like the sign-in before it."""
    leaving = console.client(MELDER)
    form = leaving.get("/console/meldingen")
    assert leaving.post("/console/afmelden", data={"csrf": csrf_of(form.text)}).status_code == 303
    sentences = _sentences(_trail(console.client(BEHEER), soort="aanmelding"))
    assert f"{MELDER} afgemeld van de console" in sentences
