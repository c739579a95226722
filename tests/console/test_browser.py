"""The console in headless Chromium (Playwright, Debian's chromium), in process: filling in what a
melding misses, approving it, and delivery to the DUO stand-in by the real worker and DUO channel.

It stays in process because the DUO stand-in and the worker's channel are made here; every other
browser test runs against ``verzuim-gateway serve`` in ``tests/browser``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from adapters.duo.channel import DuoChannel, DuoConfig
from adapters.duo.standin import StandinConfig, start_standin
from gateway.rules.catalogue import RULE_NAMES
from gateway.store import get_melding
from gateway.testing.pki import demo_pki
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.console.conftest import Console
from tests.console.helpers import LESLOCATIES, PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, once per module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the console."""
    context = browser.new_context(base_url=console.url, locale="nl-NL",
                                  viewport={"width": 1280, "height": 900})
    made = context.new_page()
    yield made
    context.close()


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form."""
    page.goto("/console/aanmelden")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()


def test_fill_in_an_incomplete_melding_approve_and_see_it_delivered_to_duo(
        page: Page, console: Console, tmp_path: Path) -> None:
    """A coordinator opens an incomplete melding and sees what is missing; approval is refused until
    they fill it in. Then the real worker delivers it over mutual TLS to the DUO stand-in, and the
    page shows 'ontvangen' with DUO's reference."""
    pki = demo_pki(tmp_path / "pki")
    standin = start_standin(StandinConfig(server_cert=pki.duo_server.cert, server_key=pki.duo_server.key,
                                          ca=pki.ca_cert, duo_oin=pki.duo_oin,
                                          gateway_oins=frozenset({pki.gateway_oin})))
    channel = DuoChannel(DuoConfig(endpoint=standin.url, duo_oin=pki.duo_oin,
                                   client_cert=pki.gateway_client.cert, client_key=pki.gateway_client.key,
                                   ca=pki.ca_cert, read_timeout=10.0))
    try:
        sign_in(page, "melder@voorbeeld")
        expect(page.get_by_role("heading", name="Meldingen")).to_be_visible()
        row = page.get_by_role("row").filter(has_text=RULE_NAMES["verzuim-16u"])
        row.get_by_role("link").first.click()
        expect(page.locator("#status")).to_have_text("te beoordelen")
        missing = page.locator("#ontbreekt")
        expect(missing).to_contain_text("naam leslocatie")
        expect(missing).to_contain_text("door school ondernomen actie")
        expect(page.locator("#verzuimuren")).to_have_text(re.compile(r"^16(,0+)?( uur)?$"))
        expect(page.get_by_label("Naam melder")).to_have_value("M. de Melder")
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
        expect(page.get_by_role("alert")).to_contain_text("melding kan nog niet weg")
        expect(page.locator("#status")).to_have_text("te beoordelen")
        page.get_by_label("Vermoedelijke reden van het verzuim").fill("Problemen thuis")
        page.get_by_label("Door school ondernomen actie (één per regel)").fill(
            "Gesprek met mentor\nOuders gebeld")
        page.locator("#actie_gewenst-ja").check()
        page.get_by_label("Toelichting bij actie gewenst").fill("Graag contact met ouders.")
        page.get_by_label("Naam leslocatie").select_option(LESLOCATIES[0])
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("opgeslagen")
        expect(page.locator("#volledig")).to_be_visible()
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
        expect(page.locator("#status")).to_have_text("klaar om te verzenden")
        assert console.worker(channel).run_once()
        page.reload()
        expect(page.locator("#status")).to_have_text("ontvangen")
        expect(page.locator("#kenmerk")).not_to_be_empty()
        melding = console.melding("verzuim-16u", "S1")
        delivered = get_melding(console.store, melding.id)
        assert delivered is not None and delivered.receiver_reference
    finally:
        channel.close()
        standin.stop()
