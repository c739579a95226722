"""The melding page: a week-by-week summary with the rule's threshold above the evidence, the evidence
folded away, a withdrawn melding's when/why/who, everything in Dutch (issue 19)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from gateway import pipeline
from gateway.domain.ports import SourceBatch
from gateway.store import MeldingView, audit
from tests.console.conftest import Console
from tests.console.helpers import SCHOOL, csrf_of
from tests.store.helpers import SIXTEEN_HOURS_DAYS, absences, student

MELDER, BEHEER = "melder@voorbeeld", "beheer@voorbeeld"
LRV_AS_OF = date(2026, 9, 28)
FOUR_LESWEKEN = [d for d in (date(2026, 8, 31) + timedelta(days=n) for n in range(26)) if d.weekday() < 5]


def _page(console: Console, melding: MeldingView, user: str = MELDER) -> str:
    response = console.client(user).get(f"/console/meldingen/{melding.id}")
    assert response.status_code == 200, response.text
    return response.text


def _visible(html: str) -> str:
    """The page's text as a person reads it: tags (and their attributes) left out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _lrv(console: Console) -> MeldingView:
    """L1 (16) misses every lesson (5 of 2 hours a day) for 4 lesweken: an LRV with 100 records."""
    batch = SourceBatch(students=[student("L1")], records=absences("L1", FOUR_LESWEKEN, per_day=5),
                        cursor="c2")
    assert pipeline.ingest(console.store, SCHOOL.id, "test", batch, "test").accepted
    pipeline.evaluate(console.store, SCHOOL.id, LRV_AS_OF)
    return console.melding("lrv", "L1")


def _week_rows(html: str) -> list[str]:
    table = html[html.index('id="weken"'):html.index("</table>", html.index('id="weken"'))]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    return [_visible(row).strip() for row in re.findall(r"<tr>.*?</tr>", body, re.S)]


# --- the week-by-week summary ------------------------------------------------------------------


def test_a_16_hour_melding_sums_its_lesweek_against_the_threshold(console: Console) -> None:
    """S1's 16 hours fall in lesweek 36; together over 4 lesweken they reach the profile's 16 hours."""
    page = _page(console, console.melding("verzuim-16u", "S1"))
    assert _week_rows(page) == ["week 36 31 aug 2026 – 4 sep 2026 16,00 16,00 drempel bereikt"]
    assert "Drempel van de regel: 16,00 uur ongeoorloofd verzuim in 4 lesweken samen." in page
    assert 'id="uren-samen">16,00<' in page


def test_the_chart_draws_a_bar_per_lesweek_and_the_threshold_line(console: Console) -> None:
    """The SVG has one bar per lesweek, the threshold line, and a caption saying what the line means."""
    page = _page(console, console.melding("verzuim-16u", "S1"))
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count('class="bar-unauthorised"') == 1 and 'id="drempellijn"' in svg
    assert "De lijn staat op de drempel van de regel: 16 uur ongeoorloofd verzuim in 4 lesweken samen" in page
    assert "style=" not in svg  # the CSP forbids inline styles


def test_the_threshold_comes_from_the_schools_profile(console: Console) -> None:
    """A profile override of the threshold moves the line: never a fixed 16."""
    pipeline.register_school(console.store, SCHOOL.model_copy(
        update={"profile_overrides": {"verzuim_16u_threshold": 12}}), "test")
    page = _page(console, console.melding("verzuim-16u", "S1"))
    assert "Drempel van de regel: 12,00 uur ongeoorloofd verzuim in 4 lesweken samen." in page


def test_an_lrv_shows_each_lesweek_fully_missed(console: Console) -> None:
    """L1's LRV: four lesweken of 50 hours, every registered lesson missed, the per-week tick drawn."""
    page = _page(console, _lrv(console))
    assert _week_rows(page) == [f"week {w} {first} – {last} 50,00 ja (50,00 uur geregistreerd)"
                                for w, first, last in ((36, "31 aug 2026", "4 sep 2026"),
                                                       (37, "7 sep 2026", "11 sep 2026"),
                                                       (38, "14 sep 2026", "18 sep 2026"),
                                                       (39, "21 sep 2026", "25 sep 2026"))]
    assert page.count('class="week-full"') == 4 and 'id="drempellijn"' not in page
    assert "alle geregistreerde lesuren van die lesweek" in page


def test_the_summary_stands_above_the_evidence(console: Console) -> None:
    """First the weeks, then the evidence."""
    page = _page(console, console.melding("verzuim-16u", "S1"))
    assert page.index('id="weekoverzicht"') < page.index('id="registraties"')


# --- the evidence, folded ------------------------------------------------------------------------


def test_the_evidence_of_an_lrv_is_folded_away(console: Console) -> None:
    """The LRV's 100 lesson rows sit in a closed <details> that says how many it holds."""
    page = _page(console, _lrv(console))
    details = page[page.index('<details class="evidence" id="registraties">'):page.index("</details>")]
    assert "<summary>Alle registraties tonen (100)</summary>" in details
    assert details.count("<tr>") == 101  # the head and 100 records, all inside the fold
    assert " open" not in details.split(">", 1)[0]


def test_an_evidence_row_reads_in_dutch(console: Console) -> None:
    """Day with weekday, lesson times, 'afwezig', and the reason in words."""
    page = _page(console, console.melding("verzuim-16u", "S1"))
    assert "<td>di 1 sep 2026</td><td>08:00–10:00</td>" in page
    assert "<td>afwezig</td><td>geen reden opgegeven</td>" in page


# --- everything in Dutch -------------------------------------------------------------------------


def test_the_page_names_the_rule_and_has_no_decimal_point(console: Console) -> None:
    """The rule's name as title, no rule code, and hours with a decimal comma."""
    page = _page(console, console.melding("verzuim-16u", "S1"))
    text = _visible(page)
    assert "<h1>16 uur in 4 lesweken – " in page
    assert "verzuim-16u" not in text
    assert not re.search(r"\d\.\d{1,2}\b", text), re.findall(r".{20}\d\.\d{1,2}\b.{5}", text)
    assert 'id="uren">16,00<' in page and 'id="status">te beoordelen<' in page


def test_an_lrv_page_has_no_rule_code(console: Console) -> None:
    """'Langdurig relatief verzuim', not 'lrv'; the open end in words."""
    page = _page(console, _lrv(console))
    assert "<h1>Langdurig relatief verzuim – " in page
    assert not re.search(r"\blrv\b", _visible(page))
    assert "nu (open einde)" in page


# --- a withdrawn melding ------------------------------------------------------------------------


def _withdraw(console: Console, melding: MeldingView, reden: str) -> httpx.Client:
    client = console.client(BEHEER)
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    response = client.post(f"/console/meldingen/{melding.id}/intrekken", data={"csrf": csrf, "reden": reden})
    assert response.status_code == 303, response.text
    return client


def test_a_withdrawn_melding_says_when_why_and_by_whom(console: Console) -> None:
    """The beheerder's reason, their login, and the moment in Amsterdam time."""
    melding = console.melding("verzuim-16u", "S1")
    page = _withdraw(console, melding, "registratiefout in het rooster").get(
        f"/console/meldingen/{melding.id}").text
    [entry] = [e for e in audit.entries(console.store, subject=melding.id)
               if e["action"] == "melding.ingetrokken"]
    local = datetime.fromisoformat(entry["ts"]).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert re.search(rf'id="ingetrokken-op">[^<]*{local:%H:%M}<', page)
    assert 'id="ingetrokken-reden">registratiefout in het rooster<' in page
    assert f'id="ingetrokken-door">{BEHEER}<' in page
    assert "niet nodig (de melding was nog niet verzonden)" in page


def test_a_melding_the_rules_withdrew_after_a_correction_says_so(console: Console) -> None:
    """S1's absences are withdrawn at the source: the rules withdraw the melding and the page says so."""
    melding = console.melding("verzuim-16u", "S1")
    ids = [r.id for r in absences("S1", SIXTEEN_HOURS_DAYS)]
    assert pipeline.ingest(console.store, SCHOOL.id, "test",
                           SourceBatch(withdrawn_record_ids=ids, cursor="c3"), "test").accepted
    pipeline.evaluate(console.store, SCHOOL.id, date(2026, 9, 7))
    page = _page(console, melding)
    assert 'id="status">ingetrokken<' in page
    assert "ingetrokken door de regels na een correctie" in page
    assert "de regel ziet dit verzuim niet meer" in page


def test_a_melding_that_stands_has_no_withdrawal_section(console: Console) -> None:
    """Only a withdrawn melding shows when, why and by whom."""
    assert 'id="intrekking"' not in _page(console, console.melding("verzuim-16u", "S1"))


# --- the withdrawal form -------------------------------------------------------------------------


def test_the_withdrawal_form_refills_the_reason_and_shows_its_error(console: Console) -> None:
    """A reason too short: the message beside the input, which keeps what was typed."""
    melding = console.melding("verzuim-16u", "S1")
    client = console.client(BEHEER)
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    response = client.post(f"/console/meldingen/{melding.id}/intrekken", data={"csrf": csrf, "reden": "x"})
    assert response.status_code == 422
    assert re.search(r'<input id="reden" name="reden"[^>]*value="x" aria-invalid="true" '
                     r'aria-describedby="reden-fout">\s*<p class="field-error" id="reden-fout">',
                     response.text)


def test_the_page_links_to_the_audit_trail(console: Console) -> None:
    """The melding's and the student's trail, on the audit page."""
    melding = console.melding("verzuim-16u", "S1")
    page = _page(console, melding)
    assert f'href="/console/audit?melding={melding.id}"' in page
    assert 'href="/console/audit?leerling=S1"' in page
