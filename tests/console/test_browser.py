"""The console in headless Chromium (Playwright, Debian's chromium): sign-in, filling in what a
melding misses and approving it, delivery to the DUO stand-in by the real worker and DUO channel,
a manual melding, the no-show board, refusals, screenshots."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from adapters.duo.channel import DuoChannel, DuoConfig
from adapters.duo.standin import StandinConfig, start_standin
from gateway.console.receivers import create_receiver_key
from gateway.delivery.routing import load_directory_data
from gateway.store import get_melding
from gateway.testing.pki import demo_pki
from tests.console.conftest import Console
from tests.console.helpers import LESLOCATIES, OTHER_NAME, PASSWORD, fill_in
from tests.store.helpers import NAME

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, once per module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
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


def shot(page: Page, name: str) -> None:
    """Write a full-page screenshot to test-output/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


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
        row = page.get_by_role("row").filter(has_text="verzuim-16u")
        expect(row.locator("td.gate")).to_contain_text("nog in te vullen: vermoedelijke reden")
        shot(page, "meldingen")
        row.get_by_role("link").click()
        expect(page.locator("#status")).to_have_text("concept")
        missing = page.locator("#ontbreekt")
        expect(missing).to_contain_text("naam leslocatie")
        expect(missing).to_contain_text("door school ondernomen actie")
        expect(page.locator("#verzuimuren")).to_have_text("16.00")
        expect(page.get_by_label("Naam melder")).to_have_value("M. de Melder")
        shot(page, "melding-onvolledig")
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
        expect(page.get_by_role("alert")).to_contain_text("melding kan nog niet weg")
        expect(page.locator("#status")).to_have_text("concept")
        page.get_by_label("Vermoedelijke reden van het verzuim").fill("Problemen thuis")
        page.get_by_label("Door school ondernomen actie (één per regel)").fill(
            "Gesprek met mentor\nOuders gebeld")
        page.locator("#actie_gewenst-ja").check()
        page.get_by_label("Toelichting bij actie gewenst").fill("Graag contact met ouders.")
        page.get_by_label("Naam leslocatie").select_option(LESLOCATIES[0])
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("status")).to_contain_text("opgeslagen")
        expect(page.locator("#volledig")).to_be_visible()
        shot(page, "melding")
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
        expect(page.locator("#status")).to_have_text("klaar")
        assert console.worker(channel).run_once()
        page.reload()
        expect(page.locator("#status")).to_have_text("ontvangen")
        expect(page.locator("#kenmerk")).not_to_be_empty()
        shot(page, "melding-ontvangen")
        melding = console.melding("verzuim-16u", "S1")
        assert get_melding(console.store, melding.id).receiver_reference
    finally:
        channel.close()
        standin.stop()


def test_a_manual_melding_is_filed_in_the_browser(page: Page, console: Console) -> None:
    """A coordinator files a signaalverzuim; filing it again opens the first with a note."""
    sign_in(page, "melder@voorbeeld")
    for note in ("ingediend en staat in de wachtrij", "al eerder ingediend"):
        page.goto("/console/meldingen")
        page.get_by_role("link", name="Melding indienen die geen regel maakte").click()
        page.get_by_label("Leerlingnummer").fill("S1")
        page.get_by_label("Soort melding").select_option("signaalverzuim")
        page.get_by_label("Begindatum").fill("2026-09-01")
        page.get_by_label("Vermoedelijke reden van het verzuim").fill("Zorgen over de thuissituatie")
        shot(page, "melding-indienen")
        page.get_by_role("button", name="Indienen").click()
        expect(page.get_by_role("status")).to_contain_text(note)
        expect(page.locator("#status")).to_have_text("concept")
    shot(page, "melding-handmatig")


def test_no_show_board_shows_the_dsp_outcome(page: Page, console: Console,
                                             deliver: Callable[[], int]) -> None:
    """After the DSP reports 'Gestart elders' through the feedback API, the board shows it per student."""
    sign_in(page, "beheer@voorbeeld")
    for sid in ("N1", "N2"):
        fill_in(console.store, console.melding("no-show", sid).id)
        page.goto(f"/console/meldingen/{console.melding('no-show', sid).id}")
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
        expect(page.locator("#status")).to_have_text("klaar")
    deliver()
    _, key = create_receiver_key(console.store, "dsp-kop-van-nh", actor="test",
                                 directory=load_directory_data())
    response = httpx.post(f"{console.url}/api/v1/feedback", headers={"Authorization": f"Bearer {key}"},
                          json={"melding_id": console.melding("no-show", "N1").id, "status": "Gestart elders",
                                "started_on": "2026-09-02",
                                "toelichting": "Ingeschreven bij een andere opleiding"})
    assert response.status_code == 200
    page.get_by_role("link", name="No-show").click()
    row = page.get_by_role("row").filter(has_text="N1")
    expect(row.locator("td.outcome")).to_contain_text("Gestart elders")
    expect(page.get_by_role("row").filter(has_text="N2").locator("td.outcome")).to_contain_text(
        "nog geen terugkoppeling")
    shot(page, "no-show")
    page.get_by_role("link", name="Monitor").click()
    expect(page.locator("#herstarters")).to_have_text("1")
    shot(page, "monitor")
    page.get_by_role("link", name="Termijnen").click()
    shot(page, "termijnen")
    page.get_by_role("link", name="Onbestelbaar").click()
    shot(page, "onbestelbaar")
    page.goto("/console/leerlingen/N1")
    expect(page.locator("#audit")).to_contain_text("terugkoppeling")
    shot(page, "audittrail")


def test_wrong_password_is_refused_in_the_browser(page: Page) -> None:
    """A wrong password shows the refusal on the sign-in page; no page opens."""
    sign_in(page, "melder@voorbeeld", "fout-wachtwoord-123")
    expect(page.get_by_role("alert")).to_contain_text("Onjuiste gebruikersnaam of wachtwoord.")
    shot(page, "aanmelden-geweigerd")
    page.goto("/console/meldingen")
    expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()


def test_other_schools_user_sees_nothing_of_ours(page: Page, console: Console) -> None:
    """A user of another school sees only their own student and gets 404 on our melding's address."""
    sign_in(page, "melder@ander")
    expect(page.locator("#meldingen")).to_contain_text(OTHER_NAME)
    expect(page.locator("body")).not_to_contain_text(NAME)
    response = page.goto(f"/console/meldingen/{console.melding('verzuim-16u', 'S1').id}")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text(NAME)


def test_tampered_csrf_token_is_refused(page: Page, console: Console) -> None:
    """A form whose CSRF token was altered is refused (403) and the melding stays a concept."""
    sign_in(page, "melder@voorbeeld")
    melding = console.melding("verzuim-16u", "S1")
    page.goto(f"/console/meldingen/{melding.id}")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'vervalst')")
    with page.expect_response(lambda r: r.url.endswith("/goedkeuren")) as answer:
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
    assert answer.value.status == 403
    assert get_melding(console.store, melding.id).status == "concept"
