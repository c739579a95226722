"""The meldingen list as a coordinator works it: filter by rule, status, recipient, location, period
and "actie nodig"; search by name and number; sort; page; bookmark the view."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from gateway.domain.lifecycle import NEEDS_ACTION
from gateway.rules.catalogue import RECIPIENT_NAMES, RULE_NAMES
from tests.browser.pages import (
    apply_filters,
    caption,
    choose,
    column,
    filters,
    rows,
    total,
)
from tests.browser.seed import Seeded

LIST = "meldingen"


def open_all(page: Page, query: str = "") -> int:
    """Open the list of every melding (with ``query``); returns its total."""
    page.goto(f"/console/meldingen{query}")
    expect(page.locator(f"table.list#{LIST} caption")).to_be_visible()
    return total(page, LIST)


def test_filtering_by_rule_shows_only_that_rules_meldingen(page: Page, pristine: Seeded) -> None:
    """Choosing 'Langdurig relatief verzuim' lists exactly the LRV meldingen, named in words."""
    open_all(page)
    choose(page, "regel", RULE_NAMES["lrv"])
    apply_filters(page)
    assert "regel=lrv" in page.url
    assert total(page, LIST) == len(pristine.of_rule("lrv"))
    assert set(column(page, LIST, "Regel")) == {RULE_NAMES["lrv"]}


def test_filtering_by_status_finds_the_one_withdrawn_melding(page: Page, pristine: Seeded) -> None:
    """Status 'ingetrokken' lists the one melding the beheerder withdrew."""
    open_all(page)
    choose(page, "status", "ingetrokken")
    apply_filters(page)
    assert total(page, LIST) == 1
    expect(rows(page, LIST).first.locator(f"a[href$='{pristine.withdrawn}']")).to_be_visible()


def test_filtering_by_recipient_shows_only_meldingen_to_rmc(page: Page, pristine: Seeded) -> None:
    """'Aan: RMC' lists the meldingen that go to the RMC."""
    open_all(page)
    choose(page, "aan", RECIPIENT_NAMES["rmc"])
    apply_filters(page)
    assert total(page, LIST) == sum(1 for m in pristine.meldingen if m.recipient == "rmc")
    assert set(column(page, LIST, "Aan")) == {RECIPIENT_NAMES["rmc"]}


def test_filtering_by_location_narrows_the_list(page: Page, pristine: Seeded) -> None:
    """A leslocatie keeps part of the list, and says so in the address."""
    everything = open_all(page)
    choose(page, "locatie", "Locatie Zuid")
    apply_filters(page)
    assert "locatie=Locatie+Zuid" in page.url or "locatie=Locatie%20Zuid" in page.url
    assert 0 < total(page, LIST) < everything


def test_filtering_by_period_narrows_the_list(page: Page, pristine: Seeded) -> None:
    """Meldingen of the last two weeks are fewer than all, and the period stays in the form."""
    everything = open_all(page)
    van = (pristine.today - timedelta(days=14)).isoformat()
    filters(page).locator("[name=van]").fill(van)
    filters(page).locator("[name=tot]").fill(pristine.today.isoformat())
    apply_filters(page)
    tot = pristine.today.isoformat()
    expected = sum(1 for m in pristine.meldingen if van <= m.trigger_date.isoformat() <= tot)
    assert total(page, LIST) == expected < everything
    expect(filters(page).locator("[name=van]")).to_have_value(van)


def test_actie_nodig_lists_what_waits_for_the_school(page: Page, pristine: Seeded) -> None:
    """'Actie nodig' lists the concepts, the dead letter and the open tasks: what waits for a person."""
    open_all(page)
    filters(page).locator("[name=actie]").check()
    apply_filters(page)
    waiting = [m for m in pristine.meldingen
               if m.status in NEEDS_ACTION or (m.kind == "taak" and m.status == "intern")]
    assert total(page, LIST) == len(waiting)


def test_searching_part_of_a_name_finds_that_student(page: Page, pristine: Seeded) -> None:
    """Typing a student's family name finds their meldingen; every row shows a matching name."""
    lrv = pristine.of_rule("lrv")[0]
    family = pristine.names[lrv.student_id].split(" ", 1)[1]
    open_all(page)
    filters(page).locator("[name=zoek]").fill(family)
    apply_filters(page)
    names = column(page, LIST, "Leerling")
    assert names and all(family in name for name in names)
    expect(rows(page, LIST).locator(f"a[href$='{lrv.id}']")).to_have_count(1)


def test_searching_a_student_number_finds_only_that_students_meldingen(page: Page, pristine: Seeded) -> None:
    """The student number finds exactly that student's meldingen."""
    lrv = pristine.of_rule("lrv")[0]
    open_all(page)
    filters(page).locator("[name=zoek]").fill(lrv.student_id)
    apply_filters(page)
    assert total(page, LIST) == sum(1 for m in pristine.meldingen if m.student_id == lrv.student_id)
    assert all(lrv.student_id in name for name in column(page, LIST, "Leerling"))


def test_sorting_by_due_date_toggles_the_direction(page: Page) -> None:
    """A click on 'Uiterlijk' sorts ascending, a second click descending; the header says which."""
    open_all(page)
    header = page.locator(f"table.list#{LIST} thead th", has_text="Uiterlijk")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert "sorteer=uiterlijk" in page.url
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert "sorteer=-uiterlijk" in page.url


def test_paging_shows_totals_and_the_next_page(page: Page, pristine: Seeded) -> None:
    """At 25 per page the caption counts rows of the whole list; 'Volgende' opens 'Pagina 2 van N'."""
    everything = open_all(page, "?per=25")
    pages = math.ceil(everything / 25)
    pager = page.locator("nav.pager[aria-label=Paginering]")
    expect(pager).to_contain_text(f"Pagina 1 van {pages}")
    expect(rows(page, LIST)).to_have_count(25)
    pager.get_by_role("link", name="Volgende").click()
    expect(pager).to_contain_text(f"Pagina 2 van {pages}")
    assert re.search(rf"26\s*–\s*50 van {everything}\b", caption(page, LIST))
    expect(pager.get_by_role("link", name="Vorige")).to_be_visible()


def test_a_bookmarked_view_reopens_the_same_list(page: Page) -> None:
    """The address of a filtered, sorted second page opens the same rows in a new tab."""
    open_all(page, "?per=25")
    choose(page, "regel", RULE_NAMES["herhaalmelding"])
    apply_filters(page)
    page.locator(f"table.list#{LIST} thead th", has_text="Datum").get_by_role("link").click()
    page.locator("nav.pager").get_by_role("link", name="Volgende").click()
    bookmark, seen = page.url, rows(page, LIST).all_inner_texts()
    again = page.context.new_page()
    again.goto(bookmark)
    assert rows(again, LIST).all_inner_texts() == seen
    expect(filters(again).locator("[name=regel]")).to_have_value("herhaalmelding")


def test_an_impossible_period_is_refused_beside_the_field(page: Page) -> None:
    """A 'tot' before 'van' is named beside the field, and both dates stay in the form."""
    page.goto("/console/meldingen?van=2026-10-10&tot=2026-10-01")
    error = page.locator("p.field-error#tot-fout")
    expect(error).to_contain_text("einddatum ligt voor de begindatum")
    expect(filters(page).locator("[name=tot]")).to_have_attribute("aria-invalid", "true")
    expect(filters(page).locator("[name=van]")).to_have_value("2026-10-10")
