"""Key rotation: every personal value is re-encrypted with the new active key, and nothing is lost."""

from __future__ import annotations

import base64
from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gateway import pipeline
from gateway.cli import cli
from gateway.console.feedback import FeedbackEntry, feedback_for, store_feedback
from gateway.domain.errors import IntegrityError
from gateway.domain.ports import MeldingContent, SourceBatch
from gateway.domain.receiver_status import Contactpersoon
from gateway.pipeline import save_content
from gateway.store import Store, audit
from gateway.store.content import decode_content
from gateway.store.crypto import FieldCipher
from gateway.store.face_tables import feedback
from gateway.store.rotation import reencrypt, stale_values
from gateway.store.schema import meldingen, students
from gateway.store.students import student_details
from tests.store.conftest import KEYS
from tests.store.helpers import NAME, SCHOOL, make_meldingen, student

NEW_KEY = bytes(range(32, 64))


def _fill(store: Store) -> str:
    """A student with personal data, a melding with coordinator content, a feedback toelichting and
    the receiver's contactpersoon."""
    pipeline.ingest(store, SCHOOL.id, "test", SourceBatch(students=[student("S1")]), "test")
    [melding_id] = make_meldingen(store, "S1")
    save_content(store, SCHOOL.id, melding_id, MeldingContent(toelichting="gesprek met moeder"), "test")
    store_feedback(store, SCHOOL.id,
                   FeedbackEntry(melding_id, "dsp-utrecht", "Gestart elders", "belde zelf", date(2026, 9, 9),
                                 started_on=date(2026, 9, 8), contactpersoon=Contactpersoon("J. Jansen")))
    return melding_id


def _values(store: Store) -> list[str]:
    with store.read() as conn:
        return [*conn.scalars(sa.select(students.c.personal)), *conn.scalars(sa.select(meldingen.c.content)),
                *conn.scalars(sa.select(feedback.c.toelichting)),
                *conn.scalars(sa.select(feedback.c.contactpersoon))]


def _with_keys(store_url: str, keys: dict[str, bytes], active: str) -> Store:
    return Store.open(store_url, FieldCipher(keys, active))


def test_rotation_moves_every_value_to_the_new_key(store: Store, store_url: str) -> None:
    """After rotate, each stored personal value carries the new key id and nothing is left stale."""
    _fill(store)
    rotated = _with_keys(store_url, {**KEYS, "k2": NEW_KEY}, "k2")
    try:
        counts = reencrypt(rotated, actor="beheer")
        assert counts == {"studenten.persoonsgegevens": 1, "meldingen.inhoud": 1,
                          "terugkoppeling.toelichting": 1, "terugkoppeling.contactpersoon": 1}
        assert all(v.startswith("v1.k2.") for v in _values(rotated))
        assert stale_values(rotated) == 0
    finally:
        rotated.close()


def test_after_rotation_the_old_key_is_no_longer_needed(store: Store, store_url: str) -> None:
    """With only the new key configured, the student, the content and the toelichting still read."""
    melding_id = _fill(store)
    rotated = _with_keys(store_url, {**KEYS, "k2": NEW_KEY}, "k2")
    reencrypt(rotated, actor="beheer")
    rotated.close()
    only_new = _with_keys(store_url, {"k2": NEW_KEY}, "k2")
    try:
        with only_new.read() as conn:
            details = student_details(conn, only_new.cipher, SCHOOL.id, "S1")
            content = conn.scalar(sa.select(meldingen.c.content).where(meldingen.c.id == melding_id))
        assert details is not None and details.given_names == NAME
        assert decode_content(only_new.cipher, melding_id, content).toelichting == "gesprek met moeder"
        assert feedback_for(only_new, SCHOOL.id, [melding_id])[melding_id][0].toelichting == "belde zelf"
    finally:
        only_new.close()


def test_a_second_rotation_has_nothing_to_do(store: Store, store_url: str) -> None:
    """Rotation is idempotent: run again, it replaces nothing and writes no audit entry."""
    _fill(store)
    rotated = _with_keys(store_url, {**KEYS, "k2": NEW_KEY}, "k2")
    try:
        reencrypt(rotated, actor="beheer")
        entries = len(audit.entries(rotated, limit=1000))
        assert set(reencrypt(rotated, actor="beheer").values()) == {0}
        assert len(audit.entries(rotated, limit=1000)) == entries
    finally:
        rotated.close()


def test_rotation_is_audited_with_counts_only(store: Store, store_url: str) -> None:
    """Each column's rotation is an audit entry with the count and the new key id, no values."""
    _fill(store)
    rotated = _with_keys(store_url, {**KEYS, "k2": NEW_KEY}, "k2")
    try:
        reencrypt(rotated, actor="beheer")
        [entry] = audit.entries(rotated, subject="studenten.persoonsgegevens")
        assert (entry["action"], entry["actor"], entry["data"]) == (
            "sleutels.opnieuw_versleuteld", "beheer", {"aantal": 1, "sleutel": "k2"})
    finally:
        rotated.close()


def test_a_value_under_a_key_that_is_not_configured_stops_rotation_naming_it(
        store: Store, store_url: str) -> None:
    """Without the old key the value cannot be read: a clear error, and the value is left as it was."""
    _fill(store)
    before = _values(store)
    rotated = _with_keys(store_url, {"k2": NEW_KEY}, "k2")
    try:
        with pytest.raises(IntegrityError, match="sleutel 'k1'"):
            reencrypt(rotated, actor="beheer")
        assert _values(rotated) == before
    finally:
        rotated.close()


def test_cli_rotate_keys_reports_per_column(store: Store, store_url: str, tmp_path) -> None:
    """``db rotate-keys`` prints the counts and says the old keys can go."""
    _fill(store)
    keys = ",".join(f"{k}:{base64.b64encode(v).decode()}" for k, v in {**KEYS, "k2": NEW_KEY}.items())
    env = {"VERZUIM_DATABASE_URL": store_url, "VERZUIM_DATA_DIR": str(tmp_path), "VERZUIM_KEYS": keys,
           "VERZUIM_ACTIVE_KEY": "k2"}
    result = CliRunner().invoke(cli, ["db", "rotate-keys", "--actor", "beheer"], env=env)
    assert result.exit_code == 0, result.output
    assert "studenten.persoonsgegevens: 1 waarde(n) opnieuw versleuteld" in result.output
    assert "oude sleutels kunnen weg" in result.output
