"""What the browser tests do on a page: sign in, work a list's filter form, read its totals, take
screenshots at both widths, and check what a page must never show."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, ViewportSize, expect

DESKTOP = ViewportSize(width=1366, height=768)
TABLET = ViewportSize(width=820, height=1180)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"

# Words that would mean English or a raw value reached a person: framework errors, JSON and Python
# values, rule ids and state codes (pages name rules and states in words).
ENGLISH = re.compile(
    r"Not Found|Internal Server Error|Forbidden|Method Not Allowed|Unprocessable|Bad Request|"
    r"\"detail\"|\b(?:None|null|True|False|undefined|NaN|Error|Traceback)\b|"
    r"\b(?:verzuim-16u|luxe-verzuim|luxe_verzuim|rmc-4w|lrv|no-show-contact|sf-4w-contact|sf-8w-ma|"
    r"intern-10u|zorg-vaak-ziek|zorg-langdurig-ziek|ziek-zonder-verklaring|te-laat|in_behandeling|"
    r"ter_kennisgeving)\b|"
    # A decimal point ("19.17", "60.0 %"): Dutch numbers have a comma (a dot only groups thousands,
    # three digits at a time; "art. 8.1.8a" is a legal reference, not a number).
    r"(?<![\d.])\d+\.\d{1,2}(?![\d.\w])")
TOTAL = re.compile(r"van ([\d.]+) ")  # "1–50 van 1.234 meldingen": the total, Dutch thousands dot


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill in and send the sign-in form."""
    page.goto("/console/aanmelden")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()


def filters(page: Page) -> Locator:
    """The list's filter form."""
    return page.locator("form.filters[role=search]")


def choose(page: Page, name: str, label: str) -> None:
    """Pick the option shown as ``label`` in the filter ``name`` (a select, by its words)."""
    filters(page).locator(f"[name={name}]").select_option(label=label)


def apply_filters(page: Page) -> None:
    """Press "Filteren" and wait for the list."""
    filters(page).get_by_role("button", name="Filteren").click()
    page.wait_for_load_state()


def caption(page: Page, list_id: str) -> str:
    """The list's caption (its totals)."""
    return page.locator(f"table.list#{list_id} caption").inner_text()


def total(page: Page, list_id: str) -> int:
    """The list's total from its caption ("1–50 van 1.234 meldingen" -> 1234)."""
    found = TOTAL.search(caption(page, list_id) + " ")
    assert found, f"geen totaal in het bijschrift: {caption(page, list_id)!r}"
    return int(found.group(1).replace(".", ""))


def rows(page: Page, list_id: str) -> Locator:
    """The list's body rows."""
    return page.locator(f"table.list#{list_id} tbody tr")


def column(page: Page, list_id: str, heading: str) -> list[str]:
    """The texts of one column of the list, found by its header's words."""
    headers = page.locator(f"table.list#{list_id} thead th").all_inner_texts()
    index = next(i for i, text in enumerate(headers) if heading.lower() in text.lower())
    cells = f"td:nth-child({index + 1}), th:nth-child({index + 1})"
    return rows(page, list_id).locator(cells).all_inner_texts()


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    width: int = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    return max(0, width)  # a classic scrollbar makes the document narrower than the window


def english_on(page: Page) -> list[str]:
    """The English words and raw codes in the page's visible text."""
    return sorted({m.group(0) for m in ENGLISH.finditer(page.locator("body").inner_text())})


def shoot(page: Page, name: str) -> dict[str, int]:
    """Full-page screenshots at 1366x768 and at a tablet's 820x1180 (``<name>-1366.png``,
    ``<name>-tablet.png``); returns the horizontal overflow at each width (0: none). The window is
    left at the desktop size."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    overflow = {}
    for size, suffix in ((DESKTOP, "1366"), (TABLET, "tablet")):
        page.set_viewport_size(size)
        overflow[suffix] = horizontal_overflow(page)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    return overflow


def expect_dutch_error_page(page: Page) -> None:
    """A Dutch error page: a heading, no framework text or JSON, and a link back into the console."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert english_on(page) == [], english_on(page)
    expect(page.locator("main a[href^='/console']").first).to_be_visible()
