"""The monthly verzuimrapportage (seed 001) over real HTTP: counts per rule, leslocatie, recipient
and month by trigger date, withdrawn ones apart; timeliness against due dates; the monitor's
no-show figures; the CSV for a Dutch spreadsheet; a refused month; only the session's school.

The console fixture's own meldingen trigger in September 2026; the builders below add meldingen in
other months, so each test counts only what it made.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from lxml import html

from gateway.console.monitor import no_show_figures
from gateway.console.report import Month, month_report
from gateway.store import Store, utcnow
from gateway.store.schema import meldingen, students
from tests.console.conftest import Console
from tests.console.helpers import OTHER, SCHOOL

JUNE = "2026-06"
NOORD = "Locatie Noord"


def row(trigger: date, *, rule: str = "verzuim-16u", recipient: str = "leerplicht", status: str = "ontvangen",
        due: date | None = None, delivered: datetime | None = None, leslocatie: str | None = None,
        school_id: str = SCHOOL.id, student_id: str = "R1") -> dict[str, Any]:
    """A melding row as the pipeline stores it, with only what the report reads set."""
    made = datetime(2026, 1, 1)
    return {"id": str(uuid.uuid4()), "school_id": school_id, "business_id": f"test-{uuid.uuid4()}",
            "student_id": student_id, "rule": rule, "kind": "melding", "recipient": recipient,
            "status": status, "trigger_date": trigger, "period_start": trigger, "due_date": due,
            "signal": "{}", "profile_stamp": "test", "delivered_at": delivered, "leslocatie": leslocatie,
            "created_at": made, "updated_at": made}


def melding(store: Store, trigger: date, **values: Any) -> None:
    """Store one melding (``row``'s keywords)."""
    with store.write() as conn:
        conn.execute(meldingen.insert().values(row(trigger, **values)))


def page(client: httpx.Client, maand: str | None = None) -> html.HtmlElement:
    """The report page for ``maand``, parsed (asserts it answered 200)."""
    response = client.get("/console/rapportage", params={} if maand is None else {"maand": maand})
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def table(doc: html.HtmlElement, table_id: str) -> dict[str, list[str]]:
    """A report table's rows by their key: the row's heading and its cells, as shown."""
    return {tr.get("data-sleutel"): [c.text_content().strip() for c in tr.xpath("th|td")]
            for tr in doc.xpath(f'//table[@id="{table_id}"]/tbody/tr')}


def csv_of(response: httpx.Response) -> list[list[str]]:
    """The CSV's rows after its byte order mark."""
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.fixture
def client(console: Console) -> httpx.Client:
    """A melder of the test school, signed in."""
    return console.client("melder@voorbeeld")


# --- counts -------------------------------------------------------------------------------------


def test_meldingen_are_counted_per_rule_by_trigger_date_with_dutch_names(console: Console,
                                                                         client: httpx.Client) -> None:
    for day in (1, 15, 30):
        melding(console.store, date(2026, 6, day))
    melding(console.store, date(2026, 6, 3), rule="lrv")
    melding(console.store, date(2026, 7, 1))  # next month
    rows = table(page(client, JUNE), "per-regel")
    assert rows["verzuim-16u"] == ["16 uur in 4 lesweken", "3", "0"]
    assert rows["lrv"] == ["Langdurig relatief verzuim", "1", "0"]
    assert rows["luxe-verzuim"] == ["Luxe verzuim", "0", "0"]


def test_a_withdrawn_melding_is_shown_apart_and_not_counted(console: Console, client: httpx.Client) -> None:
    melding(console.store, date(2026, 6, 2))
    melding(console.store, date(2026, 6, 3), status="ingetrokken")
    doc = page(client, JUNE)
    assert table(doc, "per-regel")["verzuim-16u"][1:] == ["1", "1"]
    assert doc.get_element_by_id("totaal").text_content() == "1"
    assert doc.get_element_by_id("totaal-ingetrokken").text_content() == "1"


def test_meldingen_per_leslocatie_take_the_students_and_else_say_onbekend(console: Console,
                                                                          client: httpx.Client) -> None:
    with console.store.write() as conn:
        conn.execute(students.update().where(students.c.school_id == SCHOOL.id, students.c.id == "S1")
                     .values(leslocatie=NOORD))
    melding(console.store, date(2026, 6, 2), leslocatie=NOORD)
    melding(console.store, date(2026, 6, 3), student_id="S1")  # not gated since: the student's
    melding(console.store, date(2026, 6, 4))  # neither known
    rows = table(page(client, JUNE), "per-leslocatie")
    assert rows[NOORD][1:] == ["2", "0"]
    assert rows["onbekend"][1:] == ["1", "0"]
    assert rows["Hoofdlocatie Stationsplein"][1:] == ["0", "0"]  # the school's list, with zeros


def test_meldingen_are_counted_per_recipient(console: Console, client: httpx.Client) -> None:
    melding(console.store, date(2026, 6, 2), recipient="rmc")
    melding(console.store, date(2026, 6, 3), recipient="rmc")
    melding(console.store, date(2026, 6, 4), recipient="school", rule="intern-10u", status="intern")
    rows = table(page(client, JUNE), "per-ontvanger")
    assert rows["rmc"] == ["RMC", "2", "0"]
    assert rows["school"] == ["School zelf", "1", "0"]
    assert rows["leerplicht"] == ["Leerplicht", "0", "0"]


def test_the_trend_is_the_month_and_the_eleven_before_it(console: Console, client: httpx.Client) -> None:
    melding(console.store, date(2025, 7, 31))  # before the window
    melding(console.store, date(2025, 8, 1))
    melding(console.store, date(2026, 7, 31))
    melding(console.store, date(2026, 7, 30), status="ingetrokken")
    melding(console.store, date(2026, 8, 1))  # after the window
    rows = table(page(client, "2026-07"), "per-maand")
    assert list(rows) == [f"{y}-{m:02d}" for y, m in [(2025, n) for n in range(8, 13)]
                          + [(2026, n) for n in range(1, 8)]]
    assert rows["2025-08"] == ["augustus 2025", "1", "0"]
    assert rows["2026-07"] == ["juli 2026", "1", "1"]
    assert rows["2026-01"] == ["januari 2026", "0", "0"]


def test_another_schools_meldingen_are_not_counted(console: Console, client: httpx.Client) -> None:
    melding(console.store, date(2026, 6, 2))
    melding(console.store, date(2026, 6, 2), school_id=OTHER.id, recipient="rmc",
            due=date(2026, 6, 5), status="concept")
    doc = page(client, JUNE)
    assert doc.get_element_by_id("totaal").text_content() == "1"
    assert table(doc, "per-ontvanger")["rmc"][1:] == ["0", "0"]
    assert table(doc, "tijdigheid")["verschuldigd"][1] == "0"


def test_a_month_without_meldingen_shows_zeros(client: httpx.Client) -> None:
    doc = page(client, "2024-02")
    assert doc.get_element_by_id("totaal").text_content() == "0"
    assert set(table(doc, "per-maand")["2024-02"][1:]) == {"0"}
    assert table(doc, "tijdigheid")["aandeel-op-tijd"][1] == "n.v.t."


def test_without_a_month_the_report_is_of_todays_month(console: Console, client: httpx.Client) -> None:
    console.today = date(2026, 6, 20)
    melding(console.store, date(2026, 6, 2))
    doc = page(client)
    field = doc.get_element_by_id("maand")
    assert (field.get("type"), field.get("value")) == ("month", JUNE)
    assert doc.get_element_by_id("totaal").text_content() == "1"


def test_the_page_links_the_months_around_it_and_the_csv(client: httpx.Client) -> None:
    doc = page(client, "2026-01")
    links = {a.text_content().split(" (")[0]: a.get("href")
             for a in doc.xpath('//nav[@class="report-nav"]/a')}
    assert links == {"Vorige maand": "/console/rapportage?maand=2025-12",
                     "Volgende maand": "/console/rapportage?maand=2026-02",
                     "Download als CSV": "/console/rapportage.csv?maand=2026-01"}


def test_each_chart_is_an_svg_with_a_title_and_no_inline_style(console: Console,
                                                                client: httpx.Client) -> None:
    melding(console.store, date(2026, 6, 2), due=date(2026, 6, 5), delivered=datetime(2026, 6, 4, 8))
    response = client.get("/console/rapportage", params={"maand": JUNE})
    doc = html.fromstring(response.text)
    charts = doc.xpath("//svg")
    assert {c.get("id") for c in charts} >= {"grafiek-per-regel", "grafiek-per-leslocatie",
                                               "grafiek-per-ontvanger", "grafiek-per-maand",
                                               "grafiek-tijdigheid", "grafiek-no-show"}
    assert all(c.get("role") == "img" and c.xpath("title") for c in charts)
    assert "style=" not in response.text
    assert "style-src 'self'" in response.headers["content-security-policy"]


# --- timeliness ---------------------------------------------------------------------------------


@pytest.fixture
def due_in_june(console: Console) -> None:
    """Today 20 June 2026. Due in June: two on time (2 and 0 days early), two late (1 and 4 days),
    one open past its due date, one not yet due; a withdrawn one and the school's own task do not count.
    """
    console.today = date(2026, 6, 20)
    s = console.store
    melding(s, date(2026, 6, 1), due=date(2026, 6, 10), delivered=datetime(2026, 6, 8, 10))
    melding(s, date(2026, 6, 1), due=date(2026, 6, 12), delivered=datetime(2026, 6, 12, 9))
    # 22:30 UTC on 10 June is 00:30 on 11 June in Amsterdam: a day late.
    melding(s, date(2026, 6, 1), due=date(2026, 6, 10), delivered=datetime(2026, 6, 10, 22, 30))
    melding(s, date(2026, 5, 20), due=date(2026, 6, 5), delivered=datetime(2026, 6, 9, 7))
    melding(s, date(2026, 6, 1), due=date(2026, 6, 15), status="concept")
    melding(s, date(2026, 6, 1), due=date(2026, 6, 25), status="klaar")
    melding(s, date(2026, 6, 1), due=date(2026, 6, 3), status="ingetrokken")
    melding(s, date(2026, 6, 1), due=date(2026, 6, 3), rule="sf-4w-contact", recipient="school",
            status="afgesloten")
    melding(s, date(2026, 6, 1), due=date(2026, 7, 1), status="concept")  # due next month


def test_delivered_on_or_before_the_due_date_is_on_time(client: httpx.Client, due_in_june: None) -> None:
    rows = table(page(client, JUNE), "tijdigheid")
    assert rows["op-tijd"][1] == "2"


def test_delivered_after_the_due_date_in_amsterdam_is_late(client: httpx.Client, due_in_june: None) -> None:
    rows = table(page(client, JUNE), "tijdigheid")
    assert rows["te-laat"][1] == "2"


def test_not_delivered_is_open_once_the_due_date_passed(client: httpx.Client, due_in_june: None) -> None:
    rows = table(page(client, JUNE), "tijdigheid")
    assert (rows["open"][1], rows["binnen-termijn"][1], rows["verschuldigd"][1]) == ("1", "1", "6")


def test_medians_and_the_share_on_time_are_in_dutch_format(client: httpx.Client, due_in_june: None) -> None:
    rows = table(page(client, JUNE), "tijdigheid")
    assert rows["mediaan-dagen-vroeg"][1] == "1,0"
    assert rows["mediaan-dagen-laat"][1] == "2,5"
    assert rows["aandeel-op-tijd"][1] == "40,0%"  # 2 of the 5 delivered or past due


# --- no-show ------------------------------------------------------------------------------------


def test_no_show_figures_are_the_monitors_for_the_months_school_year(console: Console,
                                                                     client: httpx.Client) -> None:
    n1 = console.melding("no-show", "N1")
    delivered = utcnow() - timedelta(days=20)
    with console.store.write() as conn:
        conn.execute(meldingen.update().where(meldingen.c.id == n1.id).values(
            status="ontvangen", delivered_at=delivered, first_feedback_at=delivered + timedelta(days=2)))
    figures = no_show_figures(console.store, SCHOOL.id, date(2026, 9, 1))
    rows = table(page(client, "2026-09"), "no-show")
    assert rows["no-show-meldingen"][1] == str(figures.meldingen) == "2"
    assert rows["no-shows"][1] == str(figures.no_shows) == "2"
    assert rows["binnen-7-dagen-verwerkt"][1:] == ["100,0%", "≥ 95%", "gehaald"]


def test_a_month_of_another_school_year_has_its_own_no_show_figures(client: httpx.Client) -> None:
    rows = table(page(client, "2026-07"), "no-show")  # school year 2025-2026: none yet
    assert rows["no-show-meldingen"][1] == "0"
    assert rows["binnen-7-dagen-verwerkt"][1] == "n.v.t."


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_is_long_format_with_bom_semicolons_and_a_filename(console: Console,
                                                                client: httpx.Client) -> None:
    melding(console.store, date(2026, 6, 2), rule="lrv")
    response = client.get("/console/rapportage.csv", params={"maand": JUNE})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="verzuimrapportage-25AB00-2026-06.csv"')
    rows = csv_of(response)
    assert rows[0] == ["maand", "onderdeel", "sleutel", "naam", "kengetal", "waarde"]
    assert ["2026-06", "regel", "lrv", "Langdurig relatief verzuim", "meldingen", "1"] in rows


def test_csv_writes_decimals_with_a_comma(client: httpx.Client, due_in_june: None) -> None:
    rows = {(r[1], r[2]): r[5] for r in csv_of(client.get("/console/rapportage.csv", params={"maand": JUNE}))}
    assert rows["tijdigheid", "mediaan-dagen-laat"] == "2,5"
    assert rows["tijdigheid", "aandeel-op-tijd"] == "40,0"


def test_csv_trend_rows_carry_their_own_month(client: httpx.Client) -> None:
    rows = csv_of(client.get("/console/rapportage.csv", params={"maand": JUNE}))
    trend = [r for r in rows if r[1] == "per maand" and r[4] == "meldingen"]
    assert [r[0] for r in trend][0::11] == ["2025-07", "2026-06"]
    assert trend[-1][3] == "juni 2026"


def test_csv_guards_a_leslocatie_against_spreadsheet_formulas(console: Console, client: httpx.Client) -> None:
    melding(console.store, date(2026, 6, 2), leslocatie="=HYPERLINK(1)")
    rows = csv_of(client.get("/console/rapportage.csv", params={"maand": JUNE}))
    assert any(r[1] == "leslocatie" and r[2] == "'=HYPERLINK(1)" for r in rows)


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "message"), [
    ("2026-13", "maand 13 bestaat niet; kies 01 tot en met 12"),
    ("september", "dit is geen maand; schrijf jaar en maand als 2026-09"),
    ("1999-12", "kies een maand tussen 2000 en 2100"),
])
def test_an_invalid_month_is_refused_beside_the_field(client: httpx.Client, typed: str, message: str) -> None:
    response = client.get("/console/rapportage", params={"maand": typed})
    assert response.status_code == 422
    doc = html.fromstring(response.text)
    field = doc.get_element_by_id("maand")
    assert (field.get("type"), field.get("value")) == ("text", typed)  # a month field would drop it
    assert field.get("aria-invalid") == "true"
    assert field.get("aria-describedby") == "maand-fout"
    assert field.getnext().get("id") == "maand-fout"
    assert field.getnext().text_content() == message


def test_the_csv_refuses_an_invalid_month_too(client: httpx.Client) -> None:
    response = client.get("/console/rapportage.csv", params={"maand": "2026-00"})
    assert response.status_code == 422
    assert "maand 00 bestaat niet" in response.text


@pytest.mark.parametrize("path", ["/console/rapportage", "/console/rapportage.csv"])
def test_the_report_needs_a_session(console: Console, path: str) -> None:
    response = console.client().get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/aanmelden")


# --- the database -------------------------------------------------------------------------------


def test_each_database_groups_by_month_and_leslocatie_alike(bare_store: Store) -> None:
    melding(bare_store, date(2026, 5, 31), leslocatie=NOORD)
    melding(bare_store, date(2026, 6, 1), leslocatie=NOORD)
    melding(bare_store, date(2026, 6, 30), status="ingetrokken")
    report = month_report(bare_store, SCHOOL.id, Month(2026, 6), date(2026, 7, 1))
    assert [(p.month.key, p.meldingen, p.withdrawn) for p in report.trend[-2:]] == [
        ("2026-05", 1, 0), ("2026-06", 1, 1)]
    locations = {(c.key, c.meldingen, c.withdrawn) for c in report.by_location}
    assert locations == {(NOORD, 1, 0), ("onbekend", 0, 1)}


def bulk_row(n: int) -> dict[str, Any]:
    """The ``n``-th of many meldingen over a year: five rules, one in 40 withdrawn, all delivered."""
    trigger = date(2025, 7, 1) + timedelta(days=n % 365)
    return row(trigger, rule=("verzuim-16u", "lrv", "te-laat", "rmc-4w", "no-show")[n % 5],
               status="ingetrokken" if n % 40 == 0 else "ontvangen", due=trigger + timedelta(days=5),
               delivered=datetime(2025, 7, 1) + timedelta(hours=n % 8760),
               leslocatie=NOORD if n % 3 else None, student_id=f"B{n % 900}")


def test_the_page_counts_a_year_of_30000_meldingen(console: Console, client: httpx.Client) -> None:
    """Its speed is bench/console.py's to measure; here the counts at that size."""
    with console.store.write() as conn:
        conn.execute(sa.insert(meldingen), [bulk_row(n) for n in range(30_000)])
    doc = page(client, JUNE)
    june = [n for n in range(30_000) if (date(2025, 7, 1) + timedelta(days=n % 365)).month == 6
            and n % 40 != 0]
    assert int(doc.get_element_by_id("totaal").text_content().replace(".", "")) == len(june)
