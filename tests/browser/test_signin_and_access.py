"""Signing in, and what a person may not see or do: a wrong password, another school's melding, a
tampered form, an unknown address. Refusals are Dutch pages with a way back."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenPage
from tests.browser.pages import expect_dutch_error_page, rows, sign_in
from tests.browser.seed import MELDER, MELDER_B, SCHOOL_A, SCHOOL_B, Seeded


def test_a_coordinator_signs_in_and_lands_on_the_meldingen(open_page: OpenPage, pristine: Seeded) -> None:
    """The sign-in form leads to the meldingen list, with the person's name in the header."""
    page = open_page(None)
    sign_in(page, MELDER, pristine.password)
    expect(page.get_by_role("heading", name="Meldingen", level=1)).to_be_visible()
    expect(page.locator("header")).to_contain_text(MELDER)


def test_wrong_password_is_refused_on_the_sign_in_page(open_page: OpenPage) -> None:
    """A wrong password shows the refusal beside the form; no page opens."""
    page = open_page(None)
    sign_in(page, MELDER, "fout-wachtwoord-123")
    expect(page.get_by_role("alert")).to_contain_text("Onjuiste gebruikersnaam of wachtwoord.")
    page.goto("/console/meldingen")
    expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()


def test_a_signed_out_visitor_is_sent_to_sign_in(open_page: OpenPage) -> None:
    """Every console page asks a visitor without a session to sign in first."""
    page = open_page(None)
    page.goto("/console/leerlingen")
    expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()


def test_another_schools_user_sees_only_their_own_students(open_page: OpenPage, pristine: Seeded) -> None:
    """School B's melder sees school B's meldingen only; school A's melding is 'niet gevonden'."""
    page = open_page(MELDER_B)
    page.goto("/console/meldingen?per=200")
    expect(rows(page, "meldingen").first).to_be_visible()
    body = page.locator("main").inner_text()
    assert SCHOOL_B.brin in body and f"{SCHOOL_A.brin}-" not in body
    response = page.goto(f"/console/meldingen/{pristine.meldingen[0].id}")
    assert response is not None and response.status == 404
    assert f"{SCHOOL_A.brin}-" not in page.locator("body").inner_text()
    expect_dutch_error_page(page)


def test_an_unknown_address_is_a_dutch_404_page_with_a_way_back(open_page: OpenPage) -> None:
    """A melding that does not exist: 404, a Dutch page, a link back to the console."""
    page = open_page(MELDER)
    response = page.goto("/console/meldingen/bestaat-niet")
    assert response is not None and response.status == 404
    expect_dutch_error_page(page)
    response = page.goto("/console/geen-pagina")
    assert response is not None and response.status == 404
    expect_dutch_error_page(page)


def test_a_tampered_form_is_a_dutch_403_page_and_changes_nothing(open_page: OpenPage,
                                                                 pristine: Seeded) -> None:
    """A form whose CSRF token was altered is refused with a Dutch 403 page; the melding stays as it was."""
    page = open_page(MELDER)
    concept = next(m for m in pristine.of_rule("lrv") if m.status == "concept")
    page.goto(f"/console/meldingen/{concept.id}")
    status_before = page.locator("#status").inner_text()
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'vervalst')")
    with page.expect_response(lambda r: r.url.endswith("/goedkeuren")) as answer:
        page.get_by_role("button", name="Goedkeuren en verzenden").click()
    assert answer.value.status == 403
    expect_dutch_error_page(page)
    page.goto(f"/console/meldingen/{concept.id}")
    expect(page.locator("#status")).to_have_text(status_before)
