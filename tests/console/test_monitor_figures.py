"""The no-show monitor's figures (seed 000 section 8) on a small store counted by hand.

School A (profile kop-van-nh) has eight no-show students, N1-N8; each melding was delivered at the
time below and the DSP reported as listed (``+2d``: two days after delivery). Peildatum 1-10-2026.

| student | delivered | first report          | processing  | DSP outcomes (oldest first)                 |
|---------|-----------|-----------------------|-------------|---------------------------------------------|
| N1      | -30d      | first_feedback_at +2d | in time     | Gestart bij mbo, started 20-09              |
| N2      | -30d      | feedback row at +7d   | in time     | Gestart elders, started 01-10 (not before)  |
| N3      | -30d      | first_feedback_at +6d | in time     | Gestart bij mbo (25-09), then Uit beeld     |
| N4      | -30d      | first_feedback_at +9d | late        | Niet gestart - in begeleiding (hyphen)      |
| N5      | -10d      | only "Geregistreerd"  | late        | none                                        |
| N6      | -2d       | none                  | running     | none                                        |
| N7      | never     | none                  | undelivered | none                                        |
| N8      | withdrawn | (left out entirely)   |             | Gestart bij mbo, started 10-09              |

So A: 7 meldingen and 7 no-shows; 3 in time, 2 late, 1 running, 1 undelivered -> 3/5 = 60.0 %;
started before 1 October N1 and N3 -> 2/7 = 28.6 %; herstarters N1, N2 = 2; uitvallers N3 = 1;
doorgeleid N4 = 1; zonder uitkomst N5, N6, N7 = 3.
School B (kop-van-nh): M1 in time, Gestart bij mbo started 15-09; M2 in time, "niet gestart –
in begeleiding" (en dash) -> 2 meldingen, 2 in time (100.0 %), 1 started (50.0 %), 1 herstarter,
1 doorgeleid. School C (utrecht) has one no-show, in another region.
Region kop-van-nh = A + B: 9 meldingen, 5 in time, 2 late, 1 running, 1 undelivered -> 5/7 =
71.4 % (not the mean 80 % of 60 and 100); 9 no-shows, 3 started -> 33.3 %; 3 herstarters,
1 uitvaller, 2 doorgeleid, 3 zonder uitkomst.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.api.app import ApiSettings, create_app
from gateway.api.server import serve_in_thread
from gateway.config.school import SchoolConfig
from gateway.console import console_routers
from gateway.console.auth import User, create_user
from gateway.console.monitor import NoShowFigures, SchoolYear, no_show_figures, region_figures
from gateway.delivery.routing import load_directory_data
from gateway.domain.ports import SourceBatch
from gateway.domain.soort_verzuim import NO_SHOW_SECOND
from gateway.store import Store, list_meldingen, utcnow
from gateway.store.crypto import FieldCipher
from gateway.store.face_tables import feedback
from gateway.store.schema import meldingen
from tests.console.helpers import AS_OF, FIRST_WEEK, PASSWORD, SCHOOL, no_show_student, sign_in
from tests.store.helpers import CALENDAR, absences

A = SCHOOL.model_copy(update={"id": "A1", "brin": "11AA", "name": "ROC Kop A", "profile": "kop-van-nh"})
B = SCHOOL.model_copy(update={"id": "B2", "brin": "22BB", "name": "ROC Kop B", "profile": "kop-van-nh"})
C = SCHOOL.model_copy(update={"id": "C3", "brin": "33CC", "name": "ROC Utrecht C", "profile": "utrecht"})
REGION = "kop-van-nh"
CLOCK = date(2026, 10, 20)  # the ketenoverleg in October looks at school year 2026-2027
NOW = utcnow().replace(microsecond=0)
LONG_AGO = NOW - timedelta(days=30)
DSP = "dsp-kop-van-nh"


@dataclass
class Fixture:
    """The store of the table above; ``melding(school, student)`` is the id of a no-show melding."""

    store: Store

    def melding(self, school_id: str, student_id: str) -> str:
        """The id of the one no-show melding of ``student_id``."""
        (found,) = list_meldingen(self.store, school_id, rule="no-show", student_id=student_id)
        return found.id

    def delivered(self, school_id: str, student_id: str, at: datetime,
                  first_report: datetime | None = None) -> None:
        """The receipt came at ``at``; the receiver's first status or outcome at ``first_report``."""
        with self.store.write() as conn:
            conn.execute(meldingen.update().where(meldingen.c.id == self.melding(school_id, student_id))
                         .values(status="ontvangen", delivered_at=at, first_feedback_at=first_report))

    def reported(self, school_id: str, student_id: str, status: str, at: datetime,
                 started_on: date | None = None) -> None:
        """A feedback row as the feedback API stores it (no toelichting: none is needed here)."""
        with self.store.write() as conn:
            conn.execute(feedback.insert().values(
                melding_id=self.melding(school_id, student_id), school_id=school_id, organisation=DSP,
                status=status, toelichting=None, reported_on=at.date(), created_at=at, started_on=started_on))

    def withdrawn(self, school_id: str, student_id: str) -> None:
        """The melding was withdrawn."""
        with self.store.write() as conn:
            conn.execute(meldingen.update().where(meldingen.c.id == self.melding(school_id, student_id))
                         .values(status="ingetrokken"))


def _register(store: Store, config: SchoolConfig, students: list[str]) -> None:
    batch = SourceBatch(students=[no_show_student(s) for s in students],
                        records=[r for s in students for r in absences(s, FIRST_WEEK, per_day=2)],
                        calendar=CALENDAR, cursor="c1")
    pipeline.register_school(store, config, "test")
    assert pipeline.ingest(store, config.id, "test", batch, "test").accepted
    pipeline.evaluate(store, config.id, AS_OF)


def _school_a(f: Fixture) -> None:
    day = timedelta(days=1)
    f.delivered("A1", "N1", LONG_AGO, LONG_AGO + 2 * day)
    f.reported("A1", "N1", "Gestart bij mbo", LONG_AGO + 2 * day, date(2026, 9, 20))
    f.delivered("A1", "N2", LONG_AGO)  # first_feedback_at not set: the feedback row's time counts
    f.reported("A1", "N2", "Gestart elders", LONG_AGO + 7 * day, date(2026, 10, 1))
    f.delivered("A1", "N3", LONG_AGO, LONG_AGO + 6 * day)
    f.reported("A1", "N3", "Gestart bij mbo", LONG_AGO + 6 * day, date(2026, 9, 25))
    f.reported("A1", "N3", "Uit beeld", LONG_AGO + 20 * day)
    f.delivered("A1", "N4", LONG_AGO, LONG_AGO + 9 * day)
    f.reported("A1", "N4", "Niet gestart - in begeleiding", LONG_AGO + 9 * day)
    f.delivered("A1", "N5", NOW - 10 * day)
    f.reported("A1", "N5", "Geregistreerd", NOW - 9 * day)
    f.delivered("A1", "N6", NOW - 2 * day)
    f.reported("A1", "N8", "Gestart bij mbo", LONG_AGO, date(2026, 9, 10))
    f.withdrawn("A1", "N8")


def _school_b(f: Fixture) -> None:
    f.delivered("B2", "M1", LONG_AGO, LONG_AGO + timedelta(days=1))
    f.reported("B2", "M1", "Gestart bij mbo", LONG_AGO + timedelta(days=1), date(2026, 9, 15))
    f.delivered("B2", "M2", LONG_AGO, LONG_AGO + timedelta(days=3))
    f.reported("B2", "M2", "niet gestart – in begeleiding", LONG_AGO + timedelta(days=3))


@pytest.fixture
def fixture(tmp_path: Path) -> Iterator[Fixture]:
    """Schools A, B (kop-van-nh) and C (utrecht) with the facts of the module's table."""
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.db'}", FieldCipher({"k1": bytes(range(32))}, "k1"))
    store.migrate()
    _register(store, A, [f"N{n}" for n in range(1, 9)])
    _register(store, B, ["M1", "M2"])
    _register(store, C, ["U1"])
    made = Fixture(store)
    _school_a(made)
    _school_b(made)
    made.delivered("C3", "U1", LONG_AGO, LONG_AGO + timedelta(days=1))
    yield made
    store.close()


@pytest.fixture
def client(fixture: Fixture) -> Iterator[httpx.Client]:
    """The app on loopback, signed in as a melder of school A."""
    create_user(fixture.store, User("melder@kop-a", "A1", "melder"), PASSWORD, actor="test")
    app = create_app(ApiSettings(), fixture.store, clock=lambda: CLOCK,
                     extra_routers=console_routers(directory=load_directory_data()))
    with serve_in_thread(app) as handle, httpx.Client(base_url=handle.url, timeout=30) as made:
        assert sign_in(made, "melder@kop-a").status_code == 303
        yield made


def _a(fixture: Fixture) -> NoShowFigures:
    return no_show_figures(fixture.store, "A1", CLOCK, now=NOW)


def test_processing_is_the_receivers_first_report_within_7_days_of_delivery(fixture: Fixture) -> None:
    """N1-N3 in time (N2 at exactly 7 days, by its feedback row), N4 reported late, N5 silent for
    10 days (a receipt is no report), N6 running, N7 undelivered and outside the share."""
    f = _a(fixture)
    assert (f.meldingen, f.processed_in_time, f.processed_late, f.running, f.undelivered) == (7, 3, 2, 1, 1)
    assert f.share_processed == 60.0
    assert f.processed_meets_norm is False


def test_started_before_peildatum_counts_start_dates_not_report_dates(fixture: Fixture) -> None:
    """N1 (20-09) and N3 (25-09, later uit beeld) started before 1 October; N2 on 1 October did not."""
    f = _a(fixture)
    assert f.year.peildatum == date(2026, 10, 1)
    assert (f.no_shows, f.started_before_peildatum, f.share_started) == (7, 2, 28.6)
    assert f.started_meets_norm is False


def test_outcomes_follow_each_jongeres_latest_dsp_outcome(fixture: Fixture) -> None:
    """Herstarters N1, N2; uitvaller N3 (uit beeld after a start); doorgeleid N4; no outcome N5-N7."""
    f = _a(fixture)
    assert (f.herstarters, f.uitvallers, f.doorgeleid, f.without_outcome) == (2, 1, 1, 3)


def test_a_withdrawn_melding_is_not_counted(fixture: Fixture) -> None:
    """N8 (withdrawn) is in no count; the same melding not withdrawn would add a start on 10-09."""
    assert (_a(fixture).meldingen, _a(fixture).started_before_peildatum) == (7, 2)
    fixture.delivered("A1", "N8", LONG_AGO, LONG_AGO + timedelta(days=1))
    f = _a(fixture)
    assert (f.meldingen, f.no_shows, f.started_before_peildatum, f.herstarters) == (8, 8, 3, 3)


def test_another_school_year_has_none_of_them(fixture: Fixture) -> None:
    """The figures are per school year: the year before has no no-shows and no shares."""
    f = no_show_figures(fixture.store, "A1", date(2026, 7, 31), now=NOW)
    assert f.year == SchoolYear(date(2025, 8, 1), date(2026, 8, 1), date(2025, 10, 1))
    assert (f.meldingen, f.no_shows, f.share_processed, f.share_started) == (0, 0, None, None)


def test_a_second_determination_is_a_melding_but_not_another_no_show(fixture: Fixture) -> None:
    """N4's second determination (``no-show-2``, reported on in time) counts for processing; the
    jongere counts once, by the latest outcome over both meldingen (now started on 28-09)."""
    first = fixture.melding("A1", "N4")
    with fixture.store.write() as conn:
        row = conn.execute(sa.select(meldingen).where(meldingen.c.id == first)).mappings().one()
        conn.execute(meldingen.insert().values({**row, "id": "tweede-n4", "business_id": "tweede-n4",
                                                "rule": NO_SHOW_SECOND, "trigger_date": date(2026, 9, 18),
                                                "first_feedback_at": NOW - timedelta(days=1),
                                                "delivered_at": NOW - timedelta(days=3)}))
        conn.execute(feedback.insert().values(
            melding_id="tweede-n4", school_id="A1", organisation=DSP, status="Gestart elders",
            reported_on=NOW.date(), created_at=NOW - timedelta(days=1), started_on=date(2026, 9, 28)))
    f = _a(fixture)
    assert (f.meldingen, f.processed_in_time, f.no_shows) == (8, 4, 7)
    assert (f.herstarters, f.doorgeleid, f.started_before_peildatum) == (3, 0, 3)


def test_region_sums_its_schools_and_computes_the_shares_again(fixture: Fixture) -> None:
    """kop-van-nh = A + B; C (utrecht) has a no-show of its own but another region."""
    assert no_show_figures(fixture.store, "C3", CLOCK, now=NOW).meldingen == 1
    region = region_figures(fixture.store, REGION, CLOCK, now=NOW)
    assert [s.school_id for s in region.schools] == ["A1", "B2"]
    b = region.schools[1].figures
    assert (b.meldingen, b.processed_in_time, b.share_processed, b.share_started) == (2, 2, 100.0, 50.0)
    assert (b.herstarters, b.doorgeleid) == (1, 1)
    t = region.total
    assert (t.meldingen, t.processed_in_time, t.processed_late, t.running, t.undelivered) == (9, 5, 2, 1, 1)
    assert (t.share_processed, t.processed_meets_norm) == (71.4, False)
    assert (t.no_shows, t.started_before_peildatum, t.share_started) == (9, 3, 33.3)
    assert (t.herstarters, t.uitvallers, t.doorgeleid, t.without_outcome) == (3, 1, 2, 3)


def _csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: a spreadsheet reads vóór
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


HEADER = ["Schooljaar", "Peildatum", "Regio", "School", "Naam", "No-shows (jongeren)", "No-show-meldingen",
          "Binnen 7 dagen verwerkt", "Te laat verwerkt", "Verwerking lopend", "Niet afgeleverd",
          "% binnen 7 dagen verwerkt", "Gestart vóór peildatum", "% gestart vóór peildatum", "Herstarters",
          "Uitvallers", "Doorgeleid", "Zonder uitkomst"]
ROW_A = ["2026-2027", "01-10-2026", REGION, "A1", "ROC Kop A", "7", "7", "3", "2", "1", "1", "60,0", "2",
         "28,6", "2", "1", "1", "3"]


def test_school_csv_has_a_header_and_the_schools_counts(client: httpx.Client) -> None:
    """``;``-separated, decimal comma, counts only: no student id in it."""
    response = client.get("/console/monitor.csv")
    assert _csv_rows(response) == [HEADER, ROW_A]
    assert 'filename="monitor-no-show-A1-2026-2027.csv"' in response.headers["content-disposition"]
    assert not any(f"N{n}" in response.text for n in range(1, 9))


def test_region_csv_has_a_row_per_school_and_the_total(client: httpx.Client) -> None:
    """The ketenoverleg's export: A, B and their sums; C of utrecht is not in it."""
    rows = _csv_rows(client.get("/console/monitor/regio.csv"))
    assert rows[:2] == [HEADER, ROW_A]
    assert rows[2] == ["2026-2027", "01-10-2026", REGION, "B2", "ROC Kop B", "2", "2", "2", "0", "0", "0",
                       "100,0", "1", "50,0", "1", "0", "1", "0"]
    assert rows[3] == ["2026-2027", "01-10-2026", REGION, "totaal", REGION, "9", "9", "5", "2", "1", "1",
                       "71,4", "3", "33,3", "3", "1", "2", "3"]
    assert len(rows) == 4


def test_school_page_shows_each_figure_and_its_charts(client: httpx.Client) -> None:
    """The page has the figures of A by id and three charts: norms, processing, outcomes."""
    page = client.get("/console/monitor").text
    for key, value in {"verwerkt": "60,0%", "gestart": "28,6%", "aantal": "7", "binnen-termijn": "3",
                       "te-laat": "2", "lopend": "1", "niet-afgeleverd": "1", "herstarters": "2",
                       "uitvallers": "1", "doorgeleid": "1", "zonder-uitkomst": "3"}.items():
        assert f'id="{key}">{value}<' in page, key
    assert page.count("<svg") == 3 and 'id="verwerkt-oordeel">niet gehaald<' in page
    assert 'href="/console/monitor/regio"' in page and 'href="/console/monitor.csv"' in page


def test_region_page_lists_the_regions_schools_and_their_total(client: httpx.Client) -> None:
    """The region page of a school of kop-van-nh: A and B, their total, no school of utrecht."""
    page = client.get("/console/monitor/regio").text
    assert 'id="school-A1"' in page and 'id="school-B2"' in page
    assert 'id="school-C3"' not in page and "ROC Utrecht C" not in page
    assert 'id="verwerkt">71,4%<' in page and 'id="doorgeleid">2<' in page
    assert page.count("<svg") == 3


@pytest.mark.parametrize("path", ["/console/monitor.csv", "/console/monitor/regio.csv",
                                  "/console/monitor/regio"])
def test_figures_need_a_session(fixture: Fixture, client: httpx.Client, path: str) -> None:
    """Without signing in, every monitor page and export sends to the sign-in page."""
    anonymous = httpx.get(f"{client.base_url}{path}", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/console/aanmelden")
