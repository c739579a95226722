"""The audit trail in words with the chain's status, and the monthly report with charts and CSV."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from gateway.rules.catalogue import RULE_NAMES
from tests.browser.pages import english_on, filters

CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


def test_the_audit_trail_reads_as_sentences_in_local_time(page: Page) -> None:
    """Deliveries read 'Melding verzonden naar … door worker host-a:1', with a local time, no UTC."""
    page.goto("/console/audit")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit")
    main = page.locator("main")
    expect(main).to_contain_text(re.compile(r"verzonden naar .+ door worker host-a:1"))
    text = main.inner_text()
    assert CLOCK.search(text) and "UTC" not in text and not re.search(r"\d{2}:\d{2}:\d{2}(\.\d+)?Z", text)
    assert "=" not in text, "een key=value-regel op de audittrail"


def test_the_audit_trail_shows_the_chains_verification(page: Page) -> None:
    """The page says whether the audit chain was verified."""
    page.goto("/console/audit")
    expect(page.locator("main")).to_contain_text(re.compile("keten", re.IGNORECASE))
    expect(filters(page)).to_be_visible()
    assert english_on(page) == []


def test_the_monthly_report_has_charts_and_rule_names(page: Page) -> None:
    """The report shows meldingen per rule in words, with charts (inline SVG with a title)."""
    page.goto("/console/rapportage")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(RULE_NAMES["verzuim-16u"])
    charts = page.locator("main svg[role=img]")
    assert charts.count() >= 2
    expect(charts.first.locator("title")).not_to_be_empty()


def test_the_monthly_report_downloads_as_csv(page: Page) -> None:
    """The CSV link downloads a file with a header row and rule names in words."""
    page.goto("/console/rapportage")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV")).first.click()
    saved = download.value.path()
    assert download.value.suggested_filename.endswith(".csv")
    text = saved.read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) >= 2
    assert RULE_NAMES["verzuim-16u"] in text
