"""The other lists of a working day: termijnen, onbestelbaar, no-show, leerlingen and one student."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from gateway.rules.catalogue import RULE_NAMES
from tests.browser.pages import apply_filters, choose, column, filters, rows, total
from tests.browser.seed import Seeded


def test_termijnen_lists_due_dates_filterable_by_rule(page: Page, pristine: Seeded) -> None:
    """The termijnen list has the filter form; filtering by rule keeps only that rule, in words."""
    page.goto("/console/termijnen")
    expect(page.get_by_role("heading", name="Termijnen", level=1)).to_be_visible()
    everything = total(page, "termijnen")
    choose(page, "regel", RULE_NAMES["luxe-verzuim"])
    apply_filters(page)
    assert 0 < total(page, "termijnen") < everything
    assert set(column(page, "termijnen", "Regel")) == {RULE_NAMES["luxe-verzuim"]}


def test_onbestelbaar_shows_the_refused_melding_with_its_reason(page: Page, pristine: Seeded) -> None:
    """The dead letter is listed with the receiver's reason and a way to send it again."""
    page.goto("/console/onbestelbaar")
    row = rows(page, "onbestelbaar").filter(has=page.locator(f"a[href$='{pristine.dead_letter}']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ontvanger onbekend bij DUO")
    expect(row.get_by_role("button", name=re.compile("^Opnieuw"))).to_be_visible()


def test_no_show_board_lists_the_no_shows_by_name(page: Page, pristine: Seeded) -> None:
    """Every no-show melding is on the board under the student's name, its status in words."""
    page.goto("/console/no-show")
    no_shows = pristine.of_rule("no-show")
    board = page.locator("table.list#no-show")
    for melding in no_shows[:3]:
        expect(board).to_contain_text(pristine.names[melding.student_id])
    expect(board).to_contain_text("te beoordelen")


def test_leerlingen_are_found_by_number_and_open_with_their_meldingen(page: Page, pristine: Seeded) -> None:
    """Searching a student number lists that one student; their page lists their meldingen."""
    lrv = pristine.of_rule("lrv")[0]
    page.goto("/console/leerlingen")
    filters(page).locator("[name=zoek]").fill(lrv.student_id)
    apply_filters(page)
    expect(rows(page, "leerlingen")).to_have_count(1)
    rows(page, "leerlingen").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(pristine.names[lrv.student_id])
    expect(page.locator(f"main a[href$='{lrv.id}']")).to_be_visible()
    expect(page.locator("main")).to_contain_text(RULE_NAMES["lrv"])


def test_leerlingen_search_by_part_of_a_name(page: Page, pristine: Seeded) -> None:
    """A given name finds students whose name holds it, and no others."""
    given = pristine.names[pristine.of_rule("lrv")[0].student_id].split(" ", 1)[0]
    page.goto("/console/leerlingen")
    filters(page).locator("[name=zoek]").fill(given)
    apply_filters(page)
    names = column(page, "leerlingen", "Leerling")
    assert names and all(given in name for name in names)
