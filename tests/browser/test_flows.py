"""Whole errands on a server of their own (each changes data): fill in a melding, approve it and see
it delivered; file a manual melding; the no-show board after the DSP's feedback."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from playwright.sync_api import expect

from gateway import pipeline
from gateway.config.settings import Settings, open_store
from gateway.delivery.worker import Worker
from gateway.store import Store
from tests.browser.conftest import OpenPage
from tests.browser.seed import FAST, MELDER, SCHOOL_A, Seeded, complete_content
from tests.browser.server import COMMAND, Served, serve_env
from tests.store.helpers import FakeChannel

KOP_VAN_NH = frozenset({"0400", "0441", "0448", "1911"})  # gemeenten of the region with DSP Kop van NH


@contextmanager
def store_of(served: Served) -> Iterator[Store]:
    """The store ``served`` runs on, opened beside it (SQLite, the same file and key file)."""
    store = open_store(Settings.from_env({"VERZUIM_DATA_DIR": str(served.data_dir)}))
    try:
        yield store
    finally:
        store.close()


def deliver_all(served: Served) -> None:
    """The worker (in this process, on the server's store) delivers what is due to a fake channel."""
    channel = FakeChannel()
    with store_of(served) as store:
        worker = Worker(store, lambda school, route: channel, worker_id="host-b:1", retry=FAST)
        while worker.run_once():
            pass


def test_fill_in_an_incomplete_melding_approve_it_and_see_it_delivered(
        open_page: OpenPage, fresh_server: Served, pristine: Seeded) -> None:
    """The coordinator sees what is missing, approval is refused until it is filled in; after the
    worker's delivery the page says 'ontvangen' with the receiver's reference."""
    concept = next(m for m in pristine.of_rule("verzuim-16u") if m.status == "concept")
    page = open_page(MELDER, fresh_server)
    page.goto(f"/console/meldingen/{concept.id}")
    expect(page.locator("#status")).to_have_text("te beoordelen")
    expect(page.locator("#ontbreekt")).to_contain_text("door school ondernomen actie")
    page.get_by_role("button", name="Goedkeuren en verzenden").click()
    expect(page.get_by_role("alert")).to_contain_text("melding kan nog niet weg")
    page.get_by_label("Vermoedelijke reden van het verzuim").fill("Problemen thuis")
    page.get_by_label("Door school ondernomen actie (één per regel)").fill(
        "Gesprek met mentor\nOuders gebeld")
    page.locator("#actie_gewenst-ja").check()
    page.get_by_label("Toelichting bij actie gewenst").fill("Graag contact met ouders.")
    page.get_by_label("Naam leslocatie").select_option(SCHOOL_A.leslocaties[0])
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("opgeslagen")
    expect(page.locator("#volledig")).to_be_visible()
    page.get_by_role("button", name="Goedkeuren en verzenden").click()
    expect(page.locator("#status")).to_have_text("klaar om te verzenden")
    deliver_all(fresh_server)
    page.reload()
    expect(page.locator("#status")).to_have_text("ontvangen")
    expect(page.locator("#kenmerk")).not_to_be_empty()


def test_a_manual_melding_is_filed_and_filing_it_again_opens_the_first(
        open_page: OpenPage, fresh_server: Served, pristine: Seeded) -> None:
    """A signaalverzuim for a student is filed; filing the same again opens the first with a note."""
    student = pristine.of_rule("lrv")[0].student_id
    page = open_page(MELDER, fresh_server)
    for note in ("ingediend en staat in de wachtrij", "al eerder ingediend"):
        page.goto("/console/meldingen")
        page.get_by_role("link", name="Melding indienen die geen regel maakte").click()
        page.get_by_label("Leerlingnummer").fill(student)
        page.get_by_label("Soort melding").select_option("signaalverzuim")
        page.get_by_label("Begindatum").fill((pristine.today - timedelta(days=2)).isoformat())
        page.get_by_label("Vermoedelijke reden van het verzuim").fill("Zorgen over de thuissituatie")
        page.get_by_role("button", name="Indienen").click()
        expect(page.get_by_role("status")).to_contain_text(note)
        expect(page.locator("#status")).to_have_text("te beoordelen")


def receiver_key(served: Served, organisation: str) -> str:
    """A receiver's API key, made with ``verzuim-gateway api-key create --receiver``."""
    command = [str(COMMAND), "api-key", "create", "--receiver", organisation, "--actor", "test"]
    made = subprocess.run(command, env=serve_env(served.data_dir), capture_output=True, text=True,
                          check=True, timeout=60)
    return made.stdout.strip()


def test_the_no_show_board_shows_the_dsps_outcome(open_page: OpenPage,
                                                  fresh_server: Served, pristine: Seeded) -> None:
    """After the DSP reports 'Gestart elders' through the feedback API, the board shows it for that
    student and 'nog geen terugkoppeling' for the other."""
    kop = [m for m in pristine.of_rule("no-show")
           if m.recipient == "dsp" and pristine.gemeenten[m.student_id] in KOP_VAN_NH][:2]
    assert len(kop) == 2, "de seed heeft twee no-shows voor de DSP Kop van Noord-Holland nodig"
    with store_of(fresh_server) as store:
        for melding in kop:
            pipeline.save_content(store, SCHOOL_A.id, melding.id, complete_content(pristine.today),
                                  actor=MELDER)
    page = open_page(MELDER, fresh_server)
    for melding in kop:
        page.goto(f"/console/meldingen/{melding.id}")
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
        expect(page.locator("#status")).to_have_text("klaar om te verzenden")
    deliver_all(fresh_server)
    response = httpx.post(f"{fresh_server.url}/api/v1/feedback",
                          headers={"Authorization": f"Bearer {receiver_key(fresh_server, 'dsp-kop-van-nh')}"},
                          json={"melding_id": kop[0].id, "status": "Gestart elders",
                                "started_on": (pristine.today - timedelta(days=1)).isoformat(),
                                "toelichting": "Ingeschreven bij een andere opleiding"})
    assert response.status_code == 200, response.text
    page.get_by_role("link", name="No-show").click()
    board = page.locator("table.list#no-show")
    started = board.get_by_role("row").filter(has_text=pristine.names[kop[0].student_id])
    expect(started.first.locator("td.outcome")).to_contain_text("Gestart elders")
    waiting = board.get_by_role("row").filter(has_text=pristine.names[kop[1].student_id])
    expect(waiting.first.locator("td.outcome")).to_contain_text("nog geen terugkoppeling")
