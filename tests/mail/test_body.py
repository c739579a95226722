"""The Dutch text of a melding mail: every field the melding carries, named as the gate names it,
undecided fields as "niet ingevuld", and one paragraph on what the receiver is asked to do."""

from __future__ import annotations

from dataclasses import replace

from adapters.mail import body
from adapters.mail.content_text import label
from adapters.mail.report_back import DSP_STATUSES, FEEDBACK_PATH, GEMEENTE_STATUSES
from gateway.console.feedback import feedback_router
from gateway.delivery.routing import load_directory_data
from gateway.domain.ports import OutgoingMelding
from gateway.domain.receiver_status import normalise
from gateway.domain.soort_verzuim import vermoedelijke_soort
from tests.mail.helpers import STUDENT_BSN, complete_content, make_melding, make_signal
from tests.mail.kinds import beginnend_verzuim, no_show, rmc_4w, uitschrijving, verzuim_16u, zorgmelding


def _row(text: str, name: str) -> str:
    """The value on the row of ``text`` that starts with the label ``name``."""
    [line] = [line for line in text.splitlines() if line.strip().startswith(name + ":")]
    return line.split(":", 1)[1].strip()


def test_body_tells_who_what_when_and_whom_to_call(melding: OutgoingMelding) -> None:
    """The Dutch text names the student, rule, legal basis, period, deadline and the melder."""
    text = body.melding_text(melding)
    for expected in ("Sanne Jansen", "16 uur ongeoorloofd verzuim", "Leerplichtwet 1969 art. 21a",
                     "1 september 2026 t/m 22 september 2026", "29 september 2026",
                     "J. de Vries", "0223-000000", "Medewerker ICT (crebo 25604)", STUDENT_BSN):
        assert expected in text


def test_body_shows_every_besluit_field_with_the_gates_label() -> None:
    """Soort, reden, dagen, uren, alle lessen gemist, actie, actie gewenst, toelichting, leslocatie,
    telefoon and melder appear, each under the label the gate and console use."""
    melding = verzuim_16u()
    text = body.melding_text(melding)
    content = melding.content
    soort = vermoedelijke_soort("verzuim-16u")
    assert soort is not None
    assert _row(text, "Vermoedelijke soort verzuim") == soort.label
    assert _row(text, label("vermoedelijke_reden")) == content.vermoedelijke_reden
    assert _row(text, "Verzuimdagen") == "5"
    assert _row(text, "Verzuimuren") == "16,50"
    assert _row(text, "Alle lessen gemist") == "nee"
    assert _row(text, label("actions_taken")) == "- gebeld op 2 september"
    assert "- gesprek met ouders op 9 september" in text
    assert _row(text, label("actie_gewenst")) == "nee"
    assert _row(text, label("toelichting")) == content.toelichting
    assert _row(text, label("leslocatie")) == "Den Helder, Middenweg"
    assert _row(text, label("phone")) == "06-12345678"
    assert _row(text, "Functie") == "verzuimcoördinator"
    assert _row(text, "E-mail") == "verzuim@school.example"


def test_afwijkend_verblijfadres_is_shown_only_when_there_is_one() -> None:
    """The Besluit asks the afwijkend verblijfadres only when it differs from the BRP."""
    assert _row(body.melding_text(beginnend_verzuim()), label("different_address")) \
        == "Kerkstraat 12a, 1782BB Den Helder"
    assert label("different_address") not in body.melding_text(verzuim_16u())


def test_an_undecided_field_reads_niet_ingevuld_never_nee() -> None:
    """Actie gewenst, reden and melder nobody decided read "niet ingevuld", not "nee" or a default."""
    content = replace(complete_content(), actie_gewenst=None, vermoedelijke_reden=None, melder=None)
    text = body.melding_text(make_melding((), make_signal(actie_gewenst=False), content=content))
    assert _row(text, label("actie_gewenst")) == "niet ingevuld"
    assert _row(text, label("vermoedelijke_reden")) == "niet ingevuld"
    assert _row(text, "Melder") == "niet ingevuld"


def test_a_melding_without_specification_says_it_was_not_computed() -> None:
    """A melding stored before the specification existed shows "niet berekend", not zero."""
    text = body.melding_text(make_melding((), specification=None))
    assert _row(text, "Verzuimdagen") == "niet berekend"
    assert _row(text, "Alle lessen gemist") == "niet berekend"


def test_rmc_melding_shows_each_concern_with_afspraken_and_the_ask() -> None:
    """For 18+ and the RMC each of the three concerns reads ja or nee, with the afspraken and what
    the school asks of the RMC."""
    text = body.melding_text(rmc_4w())
    assert _row(text, "Problemen buiten school") == "ja"
    assert _row(text, "Startkwalificatie in gevaar") == "nee"
    assert _row(text, "Dreigende uitval") == "ja"
    assert _row(text, label("agreements")) == "Wekelijks gesprek met de mentor; rooster aangepast"
    assert _row(text, label("asked_of_rmc")) == "Begeleiding naar werk of een passende opleiding"


def test_undecided_concerns_of_an_adult_read_niet_ingevuld() -> None:
    """An 18+ melding whose concerns nobody decided says so per concern, never "nee"."""
    melding = replace(zorgmelding(), content=replace(zorgmelding().content, concerns=None))
    assert _row(body.melding_text(melding), "Dreigende uitval") == "niet ingevuld"


def test_a_younger_students_melding_has_no_concerns_block() -> None:
    """Under 18, to Leerplicht, with no concerns decided: the RMC block is left out."""
    assert "Zorgen en afspraken" not in body.melding_text(verzuim_16u())


def test_no_show_shows_datum_aanmelding_and_every_contact_attempt() -> None:
    """A no-show names the datum aanmelding and each attempt with date, how and outcome."""
    text = body.melding_text(no_show())
    assert _row(text, label("enrolled_on")) == "15 juni 2026"
    assert "- 2 september 2026, telefoon: geen gehoor" in text
    assert "- 4 september 2026, brief: geen reactie" in text


def test_uitschrijving_shows_the_date_of_deregistration() -> None:
    """An uitschrijving names the day the enrolment ended and with whom it was agreed; no soort."""
    text = body.melding_text(uitschrijving())
    assert _row(text, "Datum uitschrijving") == "1 oktober 2026"
    assert _row(text, label("deregistration_agreed")).startswith("Afgestemd met Leerplicht")
    assert "Vermoedelijke soort verzuim" not in text


def test_manual_kinds_are_titled_as_the_coordinator_chose_them() -> None:
    """A manual melding reads with its own title and soort, not its id."""
    text = body.melding_text(zorgmelding())
    assert "Zorgmelding vanaf het eerste uur (dreigende uitval)" in text
    assert _row(text, "Vermoedelijke soort verzuim") == "signaalverzuim"


def test_one_paragraph_asks_to_act_and_to_report_back_quoting_the_kenmerk() -> None:
    """Exactly one paragraph says what is asked and names the feedback API and the kenmerk."""
    melding = rmc_4w()
    [paragraph] = [p for p in body.melding_text(melding).split("\n\n") if "Wat wij van u vragen" in p]
    assert "onderneem actie" in paragraph
    assert f"POST {FEEDBACK_PATH}" in paragraph
    assert paragraph.count(melding.message_id) == 2  # melding_id for the API, kenmerk for a reply


def test_a_no_show_is_asked_for_the_doorstroompunts_outcomes() -> None:
    """The no-show paragraph offers the Doorstroompunt's statuses, not the gemeente's."""
    text = body.melding_text(no_show())
    assert "Gestart elders" in text
    assert "Ter kennisgeving aangenomen" not in text


def test_the_named_feedback_path_and_statuses_are_the_apis() -> None:
    """The path and statuses the mail names are those the receivers' feedback endpoint takes."""
    router = feedback_router(load_directory_data())
    assert FEEDBACK_PATH in {getattr(route, "path", None) for route in router.routes}
    assert all(normalise(status) == status for status in (*DSP_STATUSES, *GEMEENTE_STATUSES))


def test_open_period_reads_as_open() -> None:
    """An open end date reads "t/m open" in the text."""
    text = body.melding_text(make_melding((), make_signal(rule="lrv", period_end=None, hours=None)))
    assert "t/m open" in text
    assert "Langdurig relatief verzuim" in text


def test_subject_has_no_personal_data(melding: OutgoingMelding) -> None:
    """The subject names the rule, the school and the kenmerk only."""
    subject = body.subject(melding)
    assert "Jansen" not in subject
    assert STUDENT_BSN not in subject
    assert melding.message_id in subject


def test_withdrawal_names_the_kenmerk_and_reason() -> None:
    """The Intrekking text names the withdrawn kenmerk, its reason and the melder."""
    melding = verzuim_16u()
    text = body.withdrawal_text(melding, "correctie na ziekmelding")
    assert melding.message_id in text
    assert _row(text, "Reden van intrekking") == "correctie na ziekmelding"
    assert _row(text, "Functie") == "verzuimcoördinator"
