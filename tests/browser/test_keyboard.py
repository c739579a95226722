"""The console by keyboard: Tab from the top reaches the skip link first, then the main menu, then the
filter form; whatever has focus is visibly outlined."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim(), name: el.name || '',
    skip: el.classList.contains('skip'), nav: !!el.closest('nav[aria-label=Hoofdmenu]'),
    filters: !!el.closest('form.filters'),
    outlined: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
              || style.boxShadow !== 'none',
  };
}"""
MAX_TABS = 40


def tab_through(page: Page) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until the filter form has focus (at most ``MAX_TABS``)."""
    seen: list[dict[str, Any]] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
        if seen[-1]["filters"]:
            break
    return seen


def test_tab_reaches_the_skip_link_first_then_the_menu_then_the_filters(page: Page) -> None:
    """The first Tab lands on 'Naar de inhoud'; the menu comes before the filter form."""
    page.goto("/console/meldingen")
    seen = tab_through(page)
    assert seen[0]["skip"] and seen[0]["text"] == "Naar de inhoud", seen[0]
    first_nav = next(i for i, f in enumerate(seen) if f["nav"])
    first_filter = next((i for i, f in enumerate(seen) if f["filters"]), None)
    assert first_filter is not None, f"het filterformulier is niet met Tab te bereiken: {seen}"
    assert 0 < first_nav < first_filter


def test_every_focused_element_on_the_way_is_visibly_outlined(page: Page) -> None:
    """The skip link, the menu links and the first filter field each show a focus outline."""
    page.goto("/console/meldingen")
    bare = [f for f in tab_through(page) if not f["outlined"]]
    assert bare == [], f"zonder zichtbare focus: {bare}"


def test_the_skip_link_jumps_to_the_main_content(page: Page) -> None:
    """Enter on the skip link moves on to the page's main part."""
    page.goto("/console/meldingen")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#inhoud")
    expect(page.locator("main#inhoud")).to_be_in_viewport()
