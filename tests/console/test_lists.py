"""The console's five lists over real HTTP: each filter narrows, sort both ways, paging with totals,
the view kept in every link, refused filters beside their field (422), search by name and number,
and never another school's data."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from html import unescape

import httpx
import pytest

from gateway import pipeline
from gateway.console.listing import ListSpec, list_view, parse_filters, query_string
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.lifecycle import State
from gateway.store import students as students_repo
from tests.console.conftest import Console
from tests.console.helpers import (
    OTHER_NAME,
    SCHOOL,
    add_meldingen,
    add_students,
    csrf_of,
    fill_in,
)
from tests.store.helpers import FAMILY, NAME, FakeChannel, student

MELDER, BEHEER, ANDER = "melder@voorbeeld", "beheer@voorbeeld", "melder@ander"
LIST = "/console/meldingen"
NOORD = "Locatie Noord"


def rows_of(html: str, table_id: str) -> list[str]:
    """The body rows of the table ``table_id``, as HTML."""
    table = html[html.index(f'id="{table_id}"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    return body.split("<tr")[1:]


def caption_of(html: str, table_id: str) -> str:
    """The caption of the table ``table_id`` (the totals)."""
    table = html[html.index(f'id="{table_id}"'):]
    return unescape(table[table.index("<caption>") + 9:table.index("</caption>")]).strip()


def href_of(html: str, text: str) -> str:
    """The address of the (first) link whose text is ``text``."""
    found = re.search(rf'<a href="([^"]*)"[^>]*>{re.escape(text)}</a>', html)
    assert found, f"geen link '{text}'"
    return unescape(found.group(1))


def sort_header(html: str, label: str) -> tuple[str, str]:
    """The ``aria-sort`` and link of the sortable header ``label``."""
    header = rf'<th scope="col" aria-sort="(\w+)"><a href="([^"]*)">{re.escape(label)}</a></th>'
    found = re.search(header, html)
    assert found, f"geen sorteerbare kop '{label}'"
    return found.group(1), unescape(found.group(2))


def students_in(html: str, table_id: str) -> list[str]:
    """The student numbers in the rows of a list, in order."""
    return [re.search(r'<span class="muted">\(([^)]+)\)</span>', row).group(1)  # type: ignore[union-attr]
            for row in rows_of(html, table_id)]


def melding_ids(html: str) -> list[str]:
    """The ids of the meldingen listed, in order."""
    return [re.search(r"/console/meldingen/([\w-]+)", row).group(1)  # type: ignore[union-attr]
            for row in rows_of(html, "meldingen")]


@pytest.fixture
def melder(console: Console) -> httpx.Client:
    """A signed-in melder of the school."""
    return console.client(MELDER)


# --- the meldingen list --------------------------------------------------------------------------


def test_the_list_shows_every_melding_by_default_with_its_totals(melder: httpx.Client) -> None:
    """S1's 16-hour melding, the two no-shows and their contact tasks, names and statuses in Dutch."""
    page = melder.get(LIST).text
    assert caption_of(page, "meldingen") == "1–9 van 9 meldingen"
    assert set(students_in(page, "meldingen")) == {"N1", "N2", "S1"}
    assert "<td>16 uur in 4 lesweken</td>" in page and "<td>No-show</td>" in page
    assert ">te beoordelen</span>" in page


def test_actie_nodig_tab_is_the_review_queue(console: Console, melder: httpx.Client) -> None:
    """Once S1's melding is approved it leaves "Actie nodig" but stays under "Alle"."""
    melding = console.melding("verzuim-16u", "S1")
    fill_in(console.store, melding.id)
    pipeline.approve(console.store, SCHOOL.id, melding.id, "test")
    page = melder.get(LIST).text
    queue = melder.get(href_of(page, "Actie nodig")).text
    assert set(students_in(queue, "meldingen")) == {"N1", "N2"}
    assert set(students_in(melder.get(href_of(queue, "Alle")).text, "meldingen")) == {"N1", "N2", "S1"}


@pytest.mark.parametrize(("params", "expected"), [
    ({"regel": "no-show"}, {"N1", "N2"}),
    ({"aan": "leerplicht"}, {"S1"}),
    ({"status": "concept"}, {"N1", "N2", "S1"}),
    ({"status": "intern"}, {"N1", "N2"}),
    ({"status": "klaar"}, set()),
    ({"van": "2026-09-03"}, {"N1", "N2"}),
    ({"tot": "2026-09-02", "aan": "leerplicht"}, {"S1"}),
    ({"van": "2026-09-03", "tot": "2026-09-03"}, set()),
    ({"zoek": "Noor"}, {"N1", "N2"}),
    ({"zoek": "jann verzuim"}, {"S1"}),
    ({"zoek": "n2"}, {"N2"}),
])
def test_each_filter_narrows_the_list(melder: httpx.Client, params: dict[str, str],
                                      expected: set[str]) -> None:
    """Rule, recipient, status, period (on the trigger date), part of a name, a student number."""
    response = melder.get(LIST, params=params)
    assert response.status_code == 200
    assert set(students_in(response.text, "meldingen")) == expected


def test_location_filter_takes_the_students_leslocatie(console: Console, melder: httpx.Client) -> None:
    """A student of Locatie Noord (from the SIS) is the only one listed under it; it is a choice."""
    add_students(console.store, SCHOOL.id, student("L1", given_names="Lotte", leslocatie=NOORD))
    add_meldingen(console.store, SCHOOL.id, "L1", 1)
    page = melder.get(LIST, params={"locatie": NOORD}).text
    assert students_in(page, "meldingen") == ["L1"]
    assert f'<option value="{NOORD}" selected>{NOORD}</option>' in page


def test_sort_on_a_column_both_ways(console: Console, melder: httpx.Client) -> None:
    """Uren: ascending on the first click, descending on the second; the header says which."""
    ids = add_meldingen(console.store, SCHOOL.id, "S1", 3, rule="te-laat")
    first = melder.get(LIST, params={"regel": "te-laat"}).text
    assert sort_header(first, "Uren")[0] == "none"
    up = melder.get(sort_header(first, "Uren")[1]).text
    assert sort_header(up, "Uren")[0] == "ascending"
    down = melder.get(sort_header(up, "Uren")[1]).text
    assert sort_header(down, "Uren")[0] == "descending"
    assert melding_ids(up) == ids and melding_ids(down) == ids[::-1]


def test_paging_with_totals(console: Console, melder: httpx.Client) -> None:
    """120 meldingen and the 9 of the school: 50 a page, 3 pages, the last one partly filled."""
    add_meldingen(console.store, SCHOOL.id, "S1", 120)
    page = melder.get(LIST).text
    assert caption_of(page, "meldingen") == "1–50 van 129 meldingen"
    assert "Pagina 1 van 3" in page and len(rows_of(page, "meldingen")) == 50
    last = melder.get(href_of(page, "Laatste")).text
    assert caption_of(last, "meldingen") == "101–129 van 129 meldingen"
    assert "Pagina 3 van 3" in last and "Volgende" not in last
    assert href_of(last, "Vorige") == f"{LIST}?pagina=2"


def test_page_size_is_chosen_and_a_page_past_the_end_says_so(console: Console, melder: httpx.Client) -> None:
    """25 a page gives 6 pages; page 9 of them lists nothing and says how many there are."""
    add_meldingen(console.store, SCHOOL.id, "S1", 120)
    page = melder.get(LIST, params={"per": "25"}).text
    assert caption_of(page, "meldingen") == "1–25 van 129 meldingen" and "Pagina 1 van 6" in page
    beyond = melder.get(LIST, params={"per": "25", "pagina": "9"}).text
    assert rows_of(beyond, "meldingen") == []
    assert "Pagina 9 bestaat niet" in caption_of(beyond, "meldingen")


def test_every_link_keeps_the_view(console: Console, melder: httpx.Client) -> None:
    """Pager links keep filters, sort and page size; a sort link keeps the filters, back to page 1."""
    add_meldingen(console.store, SCHOOL.id, "S1", 60)
    page = melder.get(LIST, params={"regel": "te-laat", "per": "25", "sorteer": "-uren", "pagina": "2"}).text
    assert href_of(page, "Volgende") == f"{LIST}?regel=te-laat&sorteer=-uren&pagina=3&per=25"
    assert href_of(page, "Vorige") == f"{LIST}?regel=te-laat&sorteer=-uren&per=25"
    assert sort_header(page, "Datum")[1] == f"{LIST}?regel=te-laat&sorteer=datum&per=25"
    assert href_of(page, "Actie nodig") == f"{LIST}?regel=te-laat&actie=1&sorteer=-uren&per=25"
    assert '<input type="hidden" name="sorteer" value="-uren">' in page


def test_a_sent_form_is_shortened_to_its_bookmark(melder: httpx.Client) -> None:
    """The form sends every field; empty ones and defaults leave the address (303)."""
    response = melder.get(LIST, params={"zoek": "", "regel": "no-show", "status": "", "per": "50"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?regel=no-show"


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"van": "31-12-2026"}, "van", "geen geldige datum (jjjj-mm-dd)"),
    ({"van": "2026-09-10", "tot": "2026-09-01"}, "tot", "de einddatum ligt voor de begindatum"),
    ({"regel": "lrvv"}, "regel", "onbekende waarde 'lrvv'"),
    ({"per": "7"}, "per", "kies 25, 50, 100, 200 per pagina"),
])
def test_a_bad_filter_is_shown_beside_its_field(melder: httpx.Client, params: dict[str, str], field: str,
                                                message: str) -> None:
    """422, the form as it was sent, the message right after the field, and no rows."""
    response = melder.get(LIST, params=params)
    assert response.status_code == 422
    page = unescape(response.text)
    assert f'aria-invalid="true" aria-describedby="{field}-fout"' in page
    assert f'<p class="field-error" id="{field}-fout">{message}</p>' in page
    assert 'id="meldingen"' not in page and NAME not in page
    typed = params[field]
    assert f'value="{typed}"' in page


def test_an_unknown_filter_is_named(melder: httpx.Client) -> None:
    """A parameter the list does not know is refused (422) with its name, not silently ignored."""
    response = melder.get(LIST, params={"kleur": "rood"})
    assert response.status_code == 422
    assert """<p class="field-error" id="kleur-fout">onbekende filter 'kleur' in het adres</p>""" in unescape(
        response.text)


def test_another_schools_meldingen_never_show(melder: httpx.Client, console: Console) -> None:
    """Searching our list for the other school's student finds nothing; they see only theirs."""
    page = melder.get(LIST, params={"zoek": OTHER_NAME}).text
    assert caption_of(page, "meldingen") == "Geen meldingen gevonden"
    theirs = console.client(ANDER).get(LIST).text
    assert students_in(theirs, "meldingen") == ["X1"]


# --- termijnen ------------------------------------------------------------------------------------


def test_deadlines_are_sorted_on_due_date_and_overdue_is_marked(console: Console,
                                                                melder: httpx.Client) -> None:
    """Not yet delivered meldingen with a due date, the earliest first; one past its date is marked."""
    add_meldingen(console.store, SCHOOL.id, "S1", 2, rule="lrv", status=State.CONCEPT,
                  recipient="leerplicht", first=date(2026, 8, 20), due_in=10)
    page = melder.get("/console/termijnen").text
    rows = rows_of(page, "termijnen")
    assert caption_of(page, "termijnen") == "1–5 van 5 meldingen met een termijn"
    assert rows[0].startswith(' class="overdue"') and "30-08-2026" in rows[0]
    assert 'id="te-laat-aantal">2 te laat.' in page
    later_first = melder.get(sort_header(page, "Uiterlijk")[1]).text
    assert "30-08-2026" in rows_of(later_first, "termijnen")[-1]


def test_deadlines_filter_by_rule(console: Console, melder: httpx.Client) -> None:
    """Only the no-shows' deadlines under regel=no-show; the receivers' section stays."""
    page = melder.get("/console/termijnen", params={"regel": "no-show"}).text
    assert sorted(students_in(page, "termijnen")) == ["N1", "N2"]
    assert 'id="ontvanger-te-laat-kop"' in page


def test_deadlines_refuse_a_status_that_is_delivered(melder: httpx.Client) -> None:
    """A delivered melding has no deadline of the school: that status is no choice here."""
    response = melder.get("/console/termijnen", params={"status": "ontvangen"})
    assert response.status_code == 422 and 'id="status-fout"' in response.text


# --- onbestelbaar ---------------------------------------------------------------------------------


@pytest.fixture
def dead_letter(console: Console, channel: FakeChannel, deliver: Callable[[], int]) -> str:
    """S1's melding, refused by the receiver: a dead letter; its id."""
    melding = console.melding("verzuim-16u", "S1")
    channel.fail("S1", PermanentDeliveryError("afgewezen", receiver_text="VZ010 BSN onbekend"))
    fill_in(console.store, melding.id)
    pipeline.approve(console.store, SCHOOL.id, melding.id, "test")
    deliver()
    return melding.id


def test_dead_letters_are_listed_with_total_and_filtered(console: Console, dead_letter: str) -> None:
    """The dead letter is found by name and by its rule; another rule or name finds nothing."""
    client = console.client(BEHEER)
    page = client.get("/console/onbestelbaar").text
    assert caption_of(page, "onbestelbaar") == "1–1 van 1 onbestelbare melding"
    assert "VZ010 BSN onbekend" in page and f"/console/onbestelbaar/{dead_letter}/opnieuw" in page
    def listed(**params: str) -> list[str]:
        return students_in(client.get("/console/onbestelbaar", params=params).text, "onbestelbaar")

    assert listed(zoek=FAMILY[:5]) == ["S1"] and listed(regel="verzuim-16u") == ["S1"]
    assert listed(regel="lrv") == [] and listed(zoek="Noor") == []


def test_another_school_sees_no_dead_letter(console: Console, dead_letter: str) -> None:
    """The other school's list is empty."""
    page = console.client(ANDER).get("/console/onbestelbaar").text
    assert dead_letter not in page and "Er zijn geen onbestelbare meldingen" in page


def test_dead_letters_refuse_a_bad_date(melder: httpx.Client) -> None:
    """422 with the message beside the field."""
    response = melder.get("/console/onbestelbaar", params={"tot": "morgen"})
    assert response.status_code == 422 and 'id="tot-fout"' in response.text


# --- no-show --------------------------------------------------------------------------------------


def test_no_show_list_filters_and_counts(melder: httpx.Client) -> None:
    """The two no-shows, narrowed by search; another rule than the no-show's is no choice."""
    board = "/console/no-show"
    page = melder.get(board).text
    assert caption_of(page, "no-show") == "1–2 van 2 no-show-meldingen"
    assert students_in(melder.get(board, params={"zoek": "N1"}).text, "no-show") == ["N1"]
    assert melder.get(board, params={"regel": "verzuim-16u"}).status_code == 422


def test_a_refused_contact_attempt_shows_beside_its_field(console: Console, melder: httpx.Client) -> None:
    """An unknown way of contact: 422, the message after the select, which is marked invalid."""
    with console.store.write() as conn:
        students_repo.mark_all_dirty(conn, SCHOOL.id)
    pipeline.evaluate(console.store, SCHOOL.id, console.today)
    board = melder.get("/console/no-show").text
    task_id = re.search(r'action="/console/no-show/taken/([\w-]+)"', board).group(1)  # type: ignore[union-attr]
    response = melder.post(f"/console/no-show/taken/{task_id}", data={
        "csrf": csrf_of(board), "datum": "2026-08-31", "hoe": "duif", "uitkomst": "Niets"})
    assert response.status_code == 422
    page = unescape(response.text)
    assert f'aria-describedby="hoe-{task_id}-fout"' in page
    assert re.search(rf'<p class="field-error" id="hoe-{task_id}-fout">onbekende manier \'duif\'', page)
    assert 'value="Niets"' in page


# --- leerlingen -----------------------------------------------------------------------------------


@pytest.fixture
def crowd(console: Console) -> None:
    """Three more students: Lotte (Noord, two meldingen), Bram (Noord, none), Femke (no location)."""
    add_students(console.store, SCHOOL.id, student("L1", given_names="Lotte", family_name="de Vries",
                                                   leslocatie=NOORD),
                 student("B1", given_names="Bram", family_name="Bakker", leslocatie=NOORD),
                 student("F1", given_names="Femke", family_name="Jansen"))
    add_meldingen(console.store, SCHOOL.id, "L1", 2)


def test_students_are_found_by_part_of_a_name_and_by_number(melder: httpx.Client, crowd: None) -> None:
    """"vri" finds Lotte de Vries, "B1" finds Bram; names show only for the rows found."""
    page = melder.get("/console/leerlingen", params={"zoek": "vri"}).text
    assert students_in(page, "leerlingen") == ["L1"] and "Lotte de Vries" in page and "Bram" not in page
    assert students_in(melder.get("/console/leerlingen", params={"zoek": "B1"}).text, "leerlingen") == ["B1"]


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["B1", "F1", "L1", "N1", "N2", "S1"]),
    ({"locatie": NOORD}, ["B1", "L1"]),
    ({"gemeld": "1"}, ["L1", "N1", "N2", "S1"]),
    ({"sorteer": "meldingen", "gemeld": "1"}, ["S1", "L1", "N1", "N2"]),
    ({"sorteer": "-meldingen", "per": "25", "gemeld": "1"}, ["N1", "N2", "L1", "S1"]),
])
def test_students_filter_and_sort(melder: httpx.Client, crowd: None, params: dict[str, str],
                                  expected: list[str]) -> None:
    """By leslocatie, only those with meldingen, sorted by number or by how many meldingen."""
    response = melder.get("/console/leerlingen", params=params)
    assert response.status_code == 200
    assert students_in(response.text, "leerlingen") == expected


def test_a_student_without_meldingen_has_a_page(melder: httpx.Client, crowd: None) -> None:
    """Bram's page: number, name, leslocatie, no meldingen, and the way to his audit trail."""
    response = melder.get("/console/leerlingen/B1")
    assert response.status_code == 200
    page = response.text
    assert 'id="naam">Bram Bakker<' in page and f'id="leslocatie">{NOORD}<' in page
    assert "Er zijn geen meldingen over deze leerling." in page
    assert 'href="/console/audit?leerling=B1"' in page


def test_a_students_page_lists_their_meldingen_in_dutch(melder: httpx.Client, crowd: None) -> None:
    """Lotte's two meldingen by rule name, date and status."""
    page = melder.get("/console/leerlingen/L1").text
    assert page.count("Vaak te laat</a>") == 2
    assert "02-09-2026" in page and "intern, niet verzonden" in page


def test_another_schools_students_never_show(console: Console, melder: httpx.Client) -> None:
    """Not in our list, not by search, not as a page (404)."""
    assert "X1" not in students_in(melder.get("/console/leerlingen").text, "leerlingen")
    assert "Geen leerlingen gevonden" in melder.get("/console/leerlingen", params={"zoek": OTHER_NAME}).text
    assert melder.get("/console/leerlingen/X1").status_code == 404
    assert students_in(console.client(ANDER).get("/console/leerlingen").text, "leerlingen") == ["X1"]


# --- the view in the URL (no server) --------------------------------------------------------------

SPEC = ListSpec(filters=frozenset({"zoek", "regel", "actie"}), sort_keys=("datum", "uren"),
                default_sort="-datum", choices={"regel": frozenset({"lrv"})})


def test_the_query_string_leaves_defaults_out() -> None:
    """A bookmark holds only what differs from the list as it opens."""
    parsed = parse_filters({"regel": "lrv", "actie": "ja", "sorteer": "-datum", "pagina": "1"}, SPEC)
    assert parsed.errors == {}
    assert query_string(parsed.filters, SPEC) == "?regel=lrv&actie=1"


def test_a_confirmation_beside_the_filters_is_no_unknown_filter() -> None:
    """``bericht`` (after a form) is the page's own; the view is not shortened while it is there."""
    view = list_view("/l", {"bericht": "opnieuw", "per": "50"}, SPEC, {})
    assert view.errors == {} and view.canonical() is None
