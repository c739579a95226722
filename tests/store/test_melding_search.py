"""The console's lists in the store: meldingen and students filtered, found by name or number, sorted
and paged in SQL with their totals (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.domain.errors import InvalidInput
from gateway.domain.lifecycle import State
from gateway.store import Store
from gateway.store.melding_search import (
    MELDING_SORTS,
    MeldingQuery,
    StudentQuery,
    leslocaties_in_use,
    search_meldingen,
    search_students,
)
from gateway.store.schema import meldingen
from gateway.testing.complete_melding import LESLOCATIE
from tests.store.helpers import SCHOOL, make_meldingen
from tests.store.search_helpers import add_melding, add_students, day

OTHER = SCHOOL.model_copy(update={"id": "99ZZ00", "brin": "99ZZ"})


def _ids(store: Store, **query: object) -> list[str]:
    """The student ids of the meldingen found, in list order (one melding per student in most tests)."""
    page = search_meldingen(store, SCHOOL.id, MeldingQuery(**query))  # type: ignore[arg-type]
    return [m.student_id for m in page.rows]


def _students(store: Store, **query: object) -> list[str]:
    page = search_students(store, SCHOOL.id, StudentQuery(**query))  # type: ignore[arg-type]
    return [s.student_id for s in page.rows]


@pytest.fixture
def named(store: Store) -> Store:
    """Four students: Jan Jansen, Mesut Özil, Anna de Vries-Jansen, Piet Jansen; one melding each."""
    add_students(store, ("S100", "Jan", "Jansen"), ("S200", "Mesut", "Özil"),
                 ("S300", "Anna", "de Vries-Jansen"), ("T400", "Piet", "Jansen"))
    for n, sid in enumerate(("S100", "S200", "S300", "T400")):
        add_melding(store, sid, n)
    return store


# --- filters -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "values", "signal"), [
    ("rules", ("lrv",), {"rule": "lrv"}),
    ("kinds", ("taak",), {"kind": "taak"}),
    ("recipients", ("rmc",), {"recipient": "rmc"}),
], ids=["regel", "soort", "ontvanger"])
def test_a_filter_keeps_the_meldingen_with_that_value(store: Store, field: str, values: tuple[str, ...],
                                                      signal: dict[str, object]) -> None:
    """Filtering by rule, kind or recipient keeps exactly the meldingen that have it."""
    add_melding(store, "A", 0)
    add_melding(store, "B", 1, **signal)
    assert _ids(store, **{field: values}) == ["B"]


def test_the_status_filter_keeps_any_of_the_statuses_asked(store: Store) -> None:
    """Several statuses: a melding in any of them."""
    add_melding(store, "A", 0, status=State.CONCEPT)
    add_melding(store, "B", 1, status=State.ONBESTELBAAR)
    add_melding(store, "C", 2, status=State.KLAAR)
    assert sorted(_ids(store, statuses=("concept", "onbestelbaar"))) == ["A", "B"]


def test_the_period_filter_takes_both_ends_inclusive(store: Store) -> None:
    """From and to are trigger dates, both included."""
    for n in (1, 5, 9, 12):
        add_melding(store, f"D{n}", trigger_date=day(n), period_start=day(n))
    assert sorted(_ids(store, trigger_from=day(5), trigger_to=day(9))) == ["D5", "D9"]


def test_due_only_leaves_out_meldingen_without_a_due_date(store: Store) -> None:
    """A signaal without a due date is not in a list of deadlines."""
    add_melding(store, "A", 0)
    add_melding(store, "B", 1, due_date=None)
    assert _ids(store, due_only=True) == ["A"]


def test_needs_action_is_review_dead_letters_and_open_tasks(store: Store) -> None:
    """Concept and onbestelbaar wait for a person, as does an intern taak; an intern signaal does not."""
    add_melding(store, "concept", 0, status=State.CONCEPT)
    add_melding(store, "dood", 1, status=State.ONBESTELBAAR)
    add_melding(store, "taak", 2, status=State.INTERN, kind="taak")
    add_melding(store, "signaal", 3, status=State.INTERN, kind="signaal")
    add_melding(store, "klaar", 4, status=State.KLAAR)
    assert sorted(_ids(store, needs_action=True)) == ["concept", "dood", "taak"]


def test_leslocatie_is_the_meldings_own_before_the_students(store: Store) -> None:
    """A melding's resolved leslocatie counts; without one, its student's from the SIS."""
    add_students(store, ("A", "Jan", "Jansen"), ("B", "Piet", "Pietersen"), leslocatie="Noord")
    add_melding(store, "A", 0, leslocatie="Zuid")
    add_melding(store, "B", 1)
    assert (_ids(store, leslocatie="Zuid"), _ids(store, leslocatie="Noord")) == (["A"], ["B"])


def test_filters_combine(store: Store) -> None:
    """Every filter given must hold."""
    add_melding(store, "A", 0, rule="lrv", status=State.CONCEPT)
    add_melding(store, "B", 1, rule="lrv", status=State.KLAAR)
    add_melding(store, "C", 2, status=State.CONCEPT)
    assert _ids(store, rules=("lrv",), statuses=("concept",)) == ["A"]


def test_another_schools_meldingen_are_never_listed(store: Store) -> None:
    """The list is of one school."""
    pipeline.register_school(store, OTHER, "test")
    add_melding(store, "A", 0)
    add_melding(store, "B", 1, school_id=OTHER.id)
    page = search_meldingen(store, SCHOOL.id, MeldingQuery())
    assert ([m.student_id for m in page.rows], page.total) == (["A"], 1)


# --- search --------------------------------------------------------------------------------------

def test_a_beginning_of_a_name_finds_the_student(named: Store) -> None:
    """"jan" finds Jan Jansen, Anna de Vries-Jansen and Piet Jansen."""
    assert sorted(_ids(named, search="jan")) == ["S100", "S300", "T400"]


def test_search_ignores_accents_and_case(named: Store) -> None:
    """"ozil" and "ÖZIL" find Özil."""
    assert (_ids(named, search="ozil"), _ids(named, search="ÖZIL")) == (["S200"], ["S200"])


def test_every_word_of_the_search_must_match(named: Store) -> None:
    """"jansen piet" finds only Piet Jansen; words from two students find nobody."""
    assert (_ids(named, search="jansen piet"), _ids(named, search="anna piet")) == (["T400"], [])


def test_a_word_inside_a_name_is_not_a_beginning(named: Store) -> None:
    """"sen" is the end of Jansen, not the start of a word: no match."""
    assert _ids(named, search="sen") == []


def test_the_start_of_the_student_number_finds_the_student(named: Store) -> None:
    """"s1" and "t4" find by number, whatever the case."""
    assert (_ids(named, search="s1"), _ids(named, search="T4")) == (["S100"], ["T400"])


def test_a_number_search_with_like_wildcards_finds_nothing_by_wildcard(named: Store) -> None:
    """"%" and "_" are characters to look for, not wildcards."""
    assert (_ids(named, search="%"), _ids(named, search="S_00")) == ([], [])


def test_the_search_counts_in_the_total(named: Store) -> None:
    """The total is of the meldingen found."""
    assert search_meldingen(named, SCHOOL.id, MeldingQuery(search="jansen")).total == 3


# --- sorting -------------------------------------------------------------------------------------

SORTED_ASCENDING = {
    "datum": ["A", "B", "C"],
    "uiterlijk": ["C", "B", "A"],
    "regel": ["B", "A", "C"],
    "status": ["C", "B", "A"],
    "leerling": ["A", "B", "C"],
    "aan": ["A", "C", "B"],
    "uren": ["B", "C", "A"],
    "bijgewerkt": ["C", "A", "B"],
}


@pytest.fixture
def three(store: Store) -> Store:
    """Three meldingen differing in every sortable column."""
    add_melding(store, "A", trigger_date=day(1), period_start=day(1), due_date=day(30), rule="lrv",
                status=State.ONTVANGEN, recipient="dsp", hours=40.0, updated_at=datetime(2026, 9, 5))
    add_melding(store, "B", trigger_date=day(2), period_start=day(2), due_date=day(20), rule="inschrijving",
                status=State.KLAAR, recipient="rmc", hours=10.0, updated_at=datetime(2026, 9, 6))
    add_melding(store, "C", trigger_date=day(3), period_start=day(3), due_date=day(10), rule="verzuim-16u",
                status=State.CONCEPT, recipient="leerplicht", hours=16.0, updated_at=datetime(2026, 9, 4))
    return store


def test_every_sort_key_has_an_expected_order() -> None:
    """The test below covers each sort key of the list."""
    assert set(SORTED_ASCENDING) == set(MELDING_SORTS)


@pytest.mark.parametrize("sort", MELDING_SORTS)
def test_each_sort_orders_both_ways(three: Store, sort: str) -> None:
    """Ascending and descending by the column the sort key names."""
    up, down = _ids(three, sort=sort, descending=False), _ids(three, sort=sort, descending=True)
    assert (up, down) == (SORTED_ASCENDING[sort], SORTED_ASCENDING[sort][::-1])


@pytest.mark.parametrize("descending", [False, True], ids=["oplopend", "aflopend"])
@pytest.mark.parametrize(("sort", "empty"), [("uiterlijk", {"due_date": None}), ("uren", {"hours": None})])
def test_empty_values_sort_last_either_way(store: Store, sort: str, empty: dict[str, object],
                                           descending: bool) -> None:
    """A melding without a due date or hours comes after the others in both directions."""
    add_melding(store, "leeg", 0, **empty)
    add_melding(store, "A", 1, due_date=day(20), hours=10.0)
    add_melding(store, "B", 2, due_date=day(25), hours=20.0)
    assert _ids(store, sort=sort, descending=descending)[-1] == "leeg"


def test_equal_values_keep_one_order_by_id(store: Store) -> None:
    """Meldingen equal in the sort column come in id order, every time."""
    made = [add_melding(store, f"S{n}", n, trigger_date=day(1), period_start=day(n + 1)) for n in range(6)]
    page = search_meldingen(store, SCHOOL.id, MeldingQuery(sort="datum"))
    assert [m.id for m in page.rows] == sorted(made)


def test_an_unknown_sort_key_is_refused(store: Store) -> None:
    """A sort key the list does not offer is an error naming the known ones."""
    with pytest.raises(InvalidInput, match="onbekende sortering 'naam'"):
        search_meldingen(store, SCHOOL.id, MeldingQuery(sort="naam"))


# --- paging --------------------------------------------------------------------------------------

def test_a_page_holds_limit_rows_from_offset_and_the_total_of_all(store: Store) -> None:
    """Page 2 of 3 per page out of 7: the 4th to 6th, and the total 7."""
    for n in range(7):
        add_melding(store, f"S{n}", trigger_date=day(n + 1), period_start=day(n + 1))
    page = search_meldingen(store, SCHOOL.id, MeldingQuery(sort="datum", descending=False, limit=3, offset=3))
    assert ([m.student_id for m in page.rows], page.total) == (["S3", "S4", "S5"], 7)


def test_a_page_past_the_end_is_empty_with_the_total(store: Store) -> None:
    """Beyond the last melding: no rows, still the total."""
    add_melding(store, "A", 0)
    page = search_meldingen(store, SCHOOL.id, MeldingQuery(offset=50))
    assert (page.rows, page.total) == ([], 1)


@pytest.mark.parametrize(("limit", "offset", "where"), [(0, 0, "per"), (1001, 0, "per"), (50, -1, "pagina")])
def test_an_impossible_page_is_refused(store: Store, limit: int, offset: int, where: str) -> None:
    """A page of no rows, of more than 1000, or before the start is an error naming the field."""
    with pytest.raises(InvalidInput) as caught:
        search_meldingen(store, SCHOOL.id, MeldingQuery(limit=limit, offset=offset))
    assert caught.value.where == where


def test_rows_are_full_melding_views(store: Store) -> None:
    """A row is the melding as the API shows it (signal, missing fields, route)."""
    mid = add_melding(store, "A", 0)
    [row] = search_meldingen(store, SCHOOL.id, MeldingQuery()).rows
    assert (row.id, row.route, row.signal["evidence"]) == (mid, "duo", ["E0"])


# --- the gate's leslocatie -------------------------------------------------------------------------

def test_the_gate_stores_the_resolved_leslocatie_of_a_melding(store: Store) -> None:
    """A released melding keeps the leslocatie it was resolved to, in clear for the list."""
    [mid] = make_meldingen(store, "S1")
    with store.read() as conn:
        assert conn.scalar(sa.select(meldingen.c.leslocatie).where(meldingen.c.id == mid)) == LESLOCATIE


# --- students ------------------------------------------------------------------------------------

def test_a_student_row_counts_meldingen_open_ones_and_the_newest(store: Store) -> None:
    """Withdrawn and closed meldingen count, but not as open; the newest trigger date is shown."""
    add_students(store, ("A", "Jan", "Jansen"), leslocatie="Noord")
    add_melding(store, "A", 0, trigger_date=day(3), period_start=day(3))
    add_melding(store, "A", 1, trigger_date=day(9), period_start=day(9), status=State.INGETROKKEN)
    add_melding(store, "A", 2, trigger_date=day(5), period_start=day(5), status=State.AFGESLOTEN)
    [row] = search_students(store, SCHOOL.id, StudentQuery()).rows
    assert (row.student_id, row.leslocatie, row.meldingen, row.open_meldingen, row.last_trigger) == (
        "A", "Noord", 3, 1, day(9))


def test_a_student_without_meldingen_is_listed_with_zeros(store: Store) -> None:
    """All students of the school, also those without a melding."""
    add_students(store, ("A", "Jan", "Jansen"))
    [row] = search_students(store, SCHOOL.id, StudentQuery()).rows
    assert (row.meldingen, row.open_meldingen, row.last_trigger) == (0, 0, None)


def test_with_meldingen_leaves_out_students_without(store: Store) -> None:
    """Only students with a melding, and the total of those."""
    add_students(store, ("A", "Jan", "Jansen"), ("B", "Piet", "Pietersen"))
    add_melding(store, "B", 0)
    page = search_students(store, SCHOOL.id, StudentQuery(with_meldingen=True))
    assert ([r.student_id for r in page.rows], page.total) == (["B"], 1)


def test_students_by_leslocatie(store: Store) -> None:
    """The SIS's leslocatie of the student."""
    add_students(store, ("A", "Jan", "Jansen"), leslocatie="Noord")
    add_students(store, ("B", "Piet", "Pietersen"), leslocatie="Zuid")
    assert _students(store, leslocatie="Zuid") == ["B"]


def test_students_by_name_or_number(named: Store) -> None:
    """The same search as the meldingen list: words of the name, or the start of the number."""
    assert (_students(named, search="jansen"), _students(named, search="t")) == (["S100", "S300", "T400"],
                                                                                   ["T400"])


@pytest.mark.parametrize(("sort", "expected"), [
    ("leerling", ["A", "B", "C"]),
    ("meldingen", ["C", "A", "B"]),
    ("open", ["C", "B", "A"]),
    ("laatste", ["B", "A", "C"]),
])
def test_students_sort_both_ways(store: Store, sort: str, expected: list[str]) -> None:
    """By number, number of meldingen, open ones, newest trigger date (students without last)."""
    add_students(store, ("A", "Jan", "Jansen"), ("B", "Piet", "Pietersen"), ("C", "Kees", "Klaassen"))
    for n, (sid, trigger, status) in enumerate((("A", 5, State.KLAAR), ("A", 6, State.KLAAR),
                                                ("B", 2, State.KLAAR), ("B", 3, State.AFGESLOTEN),
                                                ("B", 4, State.INGETROKKEN))):
        add_melding(store, sid, n, trigger_date=day(trigger), period_start=day(trigger), status=status)
    up = _students(store, sort=sort, descending=False)
    down = _students(store, sort=sort, descending=True)
    assert up == expected
    if sort == "laatste":  # a student without meldingen stays last
        assert down == ["A", "B", "C"]
    else:
        assert down == expected[::-1]


def test_students_page_and_total(store: Store) -> None:
    """A page of students out of the total."""
    add_students(store, *[(f"S{n}", "Jan", "Jansen") for n in range(5)])
    page = search_students(store, SCHOOL.id, StudentQuery(limit=2, offset=2))
    assert ([r.student_id for r in page.rows], page.total) == (["S2", "S3"], 5)


def test_an_unknown_student_sort_is_refused(store: Store) -> None:
    """Sorting students by name is not offered."""
    with pytest.raises(InvalidInput, match="onbekende sortering 'naam'"):
        search_students(store, SCHOOL.id, StudentQuery(sort="naam"))


def test_leslocaties_in_use_are_the_students_distinct_and_sorted(store: Store) -> None:
    """The filter's choices: each leslocatie a student has, once, in order; none for no leslocatie."""
    add_students(store, ("A", "Jan", "Jansen"), ("B", "Piet", "Pietersen"), leslocatie="Zuid")
    add_students(store, ("C", "Kees", "Klaassen"), leslocatie="Noord")
    add_students(store, ("D", "Els", "Eelman"))
    assert leslocaties_in_use(store, SCHOOL.id) == ["Noord", "Zuid"]
