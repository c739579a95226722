"""One melding's page: the weekly summary above the folded evidence, a withdrawn melding's when, why
and who, and a refused form that keeps what was typed."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from gateway.rules.catalogue import RULE_NAMES
from tests.browser.seed import BEHEERDER, WITHDRAWAL_REASON, Seeded

DUTCH_DATE = re.compile(r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
                        r"november|december) \d{4}\b")


def weekly_summary(page: Page) -> Locator:
    """The hours-per-lesweek summary (a table or chart that names the lesweken)."""
    return page.locator("main").locator("table, svg, figure").filter(has_text=re.compile("[Ll]esweek")).first


def evidence(page: Page) -> Locator:
    """The folded evidence: a ``details`` element in the page's main part."""
    return page.locator("main details").filter(has=page.locator("summary")).first


def test_an_lrv_melding_shows_the_weekly_summary_above_the_folded_evidence(page: Page,
                                                                          pristine: Seeded) -> None:
    """The LRV melding opens on hours per lesweek; its long evidence list is folded below it."""
    lrv = pristine.of_rule("lrv")[0]
    page.goto(f"/console/meldingen/{lrv.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(RULE_NAMES["lrv"])
    summary, folded = weekly_summary(page), evidence(page)
    expect(summary).to_be_visible()
    expect(folded).not_to_have_attribute("open", "")
    summary_box, folded_box = summary.bounding_box(), folded.bounding_box()
    assert summary_box and folded_box and summary_box["y"] < folded_box["y"]
    assert page.evaluate("document.scrollingElement.scrollHeight") < 5000


def test_the_evidence_folds_open_with_the_keyboard(page: Page, pristine: Seeded) -> None:
    """Focusing the evidence's summary and pressing Enter opens the lesson rows."""
    lrv = pristine.of_rule("lrv")[0]
    page.goto(f"/console/meldingen/{lrv.id}")
    folded = evidence(page)
    folded.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(folded).to_have_attribute("open", "")
    expect(folded.locator("tbody tr").first).to_be_visible()


def test_a_withdrawn_melding_says_when_why_and_by_whom(page: Page, pristine: Seeded) -> None:
    """The withdrawn melding shows 'ingetrokken', the reason, the beheerder and a Dutch date."""
    page.goto(f"/console/meldingen/{pristine.withdrawn}")
    expect(page.locator("#status")).to_have_text("ingetrokken")
    main = page.locator("main")
    expect(main).to_contain_text(WITHDRAWAL_REASON)
    expect(main).to_contain_text(BEHEERDER)
    assert DUTCH_DATE.search(main.inner_text()), "geen datum in het Nederlands bij de intrekking"


def test_a_refused_form_keeps_what_was_typed_with_the_error_beside_the_field(
        melder_page: Page, pristine: Seeded) -> None:
    """An e-mail address whose domain has no dot (the browser lets it pass) is refused: the Dutch
    error stands beside that field, and what was typed and chosen is still there (nothing saved)."""
    page = melder_page
    concept = next(m for m in pristine.of_rule("herhaalmelding") if m.status == "concept")
    page.goto(f"/console/meldingen/{concept.id}")
    page.get_by_label("Vermoedelijke reden van het verzuim").fill("Zorgen over de thuissituatie")
    page.locator("#actie_gewenst-ja").check()
    page.get_by_label("E-mail melder").fill("melder@school-zonder-punt")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("p.field-error#melder_email-fout")).to_be_visible()
    field = page.locator("#melder_email")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile("melder_email-fout"))
    expect(field).to_have_value("melder@school-zonder-punt")
    reason = page.get_by_label("Vermoedelijke reden van het verzuim")
    expect(reason).to_have_value("Zorgen over de thuissituatie")
    expect(page.locator("#actie_gewenst-ja")).to_be_checked()
