"""Every page at 1366x768 and on a tablet (820x1180): no horizontal scroll (wide tables scroll in
their own wrapper), nothing in English, and a full-page screenshot of each in
test-output/screenshots/<page>-<1366|tablet>.png for a reviewer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import OpenPage
from tests.browser.pages import english_on, shoot
from tests.browser.seed import BEHEERDER, MELDER, Seeded

Address = Callable[[Seeded], str]
PAGES: list[tuple[str, str | None, Address]] = [
    ("aanmelden", None, lambda s: "/console/aanmelden"),
    ("meldingen", BEHEERDER, lambda s: "/console/meldingen"),
    ("meldingen-gefilterd", BEHEERDER, lambda s: "/console/meldingen?regel=herhaalmelding&per=25&pagina=2"),
    ("meldingen-filterfout", BEHEERDER, lambda s: "/console/meldingen?van=2026-10-10&tot=2026-10-01"),
    ("termijnen", BEHEERDER, lambda s: "/console/termijnen"),
    ("onbestelbaar", BEHEERDER, lambda s: "/console/onbestelbaar"),
    ("no-show", BEHEERDER, lambda s: "/console/no-show"),
    ("leerlingen", BEHEERDER, lambda s: "/console/leerlingen"),
    ("leerling", BEHEERDER, lambda s: f"/console/leerlingen/{s.of_rule('lrv')[0].student_id}"),
    ("melding-lrv", MELDER, lambda s: f"/console/meldingen/{s.of_rule('lrv')[0].id}"),
    ("melding-rmc", MELDER, lambda s: f"/console/meldingen/{s.of_rule('rmc-4w')[0].id}"),
    ("melding-ontvangen", MELDER, lambda s: f"/console/meldingen/{s.delivered[0]}"),
    ("melding-onbestelbaar", BEHEERDER, lambda s: f"/console/meldingen/{s.dead_letter}"),
    ("melding-ingetrokken", BEHEERDER, lambda s: f"/console/meldingen/{s.withdrawn}"),
    ("melding-indienen", MELDER, lambda s: "/console/meldingen/nieuw"),
    ("audit", BEHEERDER, lambda s: "/console/audit"),
    ("rapportage", BEHEERDER, lambda s: "/console/rapportage"),
    ("monitor", BEHEERDER, lambda s: "/console/monitor"),
    ("niet-gevonden", BEHEERDER, lambda s: "/console/meldingen/bestaat-niet"),
]




@pytest.mark.parametrize(("name", "user", "address"), PAGES, ids=[name for name, _, _ in PAGES])
def test_the_page_reads_at_1366_and_on_a_tablet_in_dutch(open_page: OpenPage, pristine: Seeded, name: str,
                                                         user: str | None, address: Address) -> None:
    """The page fits the window's width at 1366 px and 820 px (no sideways scroll), and no
    framework text, raw value, rule id or state code reaches its visible text. One visit per page:
    it also leaves the two screenshots."""
    page = open_page(user)
    page.goto(address(pristine))
    overflow = shoot(page, name)
    english = english_on(page)
    assert (overflow, english) == ({"1366": 0, "tablet": 0}, []), f"te breed: {overflow}; Engels: {english}"
