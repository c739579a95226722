"""The blind index of students' names: normalised words and their beginnings as keyed hashes, kept
with the personal data through ingest, rotation and retention (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from gateway import pipeline
from gateway.config.settings import Settings, open_store
from gateway.delivery.worker import Worker
from gateway.domain.ports import SourceBatch
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from gateway.store.engine import MIGRATIONS_DIR
from gateway.store.melding_search import StudentQuery, search_students
from gateway.store.retention import RetentionPolicy, run_retention
from gateway.store.rotation import reencrypt
from gateway.store.schema import student_names, students
from gateway.store.student_names import normalised_words, token, tokens
from gateway.store.students import index_unindexed
from tests.store.conftest import KEYS
from tests.store.helpers import SCHOOL, student
from tests.store.search_helpers import add_students
from tests.store.test_retention import LATER, SHORT, _melding, _new_school_year
from tests.test_cli_errors import run

NEW_KEY = bytes(range(32, 64))


def _found(store: Store, text: str) -> list[str]:
    return [r.student_id for r in search_students(store, SCHOOL.id, StudentQuery(search=text)).rows]


def _rows(store: Store) -> list[tuple[str, str, str]]:
    with store.read() as conn:
        return [(r.student_id, r.key_id, r.token) for r in conn.execute(
            sa.select(student_names.c.student_id, student_names.c.key_id, student_names.c.token)
            .order_by(student_names.c.student_id, student_names.c.token))]


# --- normalising and hashing ---------------------------------------------------------------------

def test_words_lose_accents_and_case() -> None:
    """NFKD, combining marks dropped, case folded."""
    assert normalised_words("Özil Çelik-Ñúñez") == ["ozil", "celik", "nunez"]


def test_words_split_on_spaces_hyphens_and_apostrophes() -> None:
    """"van der Berg-O'Neill" is five words."""
    assert normalised_words("van der  Berg-O'Neill") == ["van", "der", "berg", "o", "neill"]


def test_a_word_gives_its_beginnings_of_two_letters_or_more() -> None:
    """"jans" is indexed as "ja", "jan" and "jans"; a one-letter word as itself only."""
    key = b"k" * 32
    assert tokens(key, "S", ["jans", "o"]) == {token(key, "S", w) for w in ("ja", "jan", "jans", "o")}


def test_a_token_depends_on_key_and_school() -> None:
    """The same word under another key or at another school is another token."""
    one = token(b"a" * 32, "25AB00", "jansen")
    assert len({one, token(b"b" * 32, "25AB00", "jansen"), token(b"a" * 32, "99ZZ00", "jansen")}) == 3
    assert len(one) == 32


def test_search_keys_are_derived_not_the_encryption_keys() -> None:
    """Each key id has its own HMAC key, not the AES key itself, the same every time."""
    keys = FieldCipher({**KEYS, "k2": NEW_KEY}, "k2").search_keys()
    assert set(keys) == {"k1", "k2"}
    assert keys["k1"] not in (KEYS["k1"], NEW_KEY, keys["k2"])
    assert FieldCipher(KEYS, "k1").search_keys()["k1"] == keys["k1"]


# --- kept with the personal data -----------------------------------------------------------------

def test_the_index_holds_no_name_in_clear(store: Store) -> None:
    """Only hashes are stored: no row holds a word of the name."""
    add_students(store, ("S1", "Jannigje", "Verzuimstra"))
    values = {t for _, _, t in _rows(store)}
    assert values and not any(w in t for t in values for w in ("jan", "verzuim"))


def test_a_name_change_reindexes_the_student(store: Store) -> None:
    """After the SIS renames a student, the new name finds them and the old one no longer does."""
    add_students(store, ("S1", "Jan", "Jansen"))
    add_students(store, ("S1", "Jan", "Pietersen"))
    assert (_found(store, "jansen"), _found(store, "pieter")) == ([], ["S1"])


def test_a_student_repeated_unchanged_keeps_their_rows(store: Store) -> None:
    """A daily sync repeating a student writes nothing of their index."""
    add_students(store, ("S1", "Jan", "Jansen"))
    before = _rows(store)
    add_students(store, ("S1", "Jan", "Jansen"))
    assert _rows(store) == before


def test_a_student_stored_before_the_index_is_indexed_when_repeated(store: Store) -> None:
    """A store upgraded to 0009 has no index rows; the next sync repeating the student makes them."""
    add_students(store, ("S1", "Jan", "Jansen"))
    with store.write() as conn:
        conn.execute(student_names.delete())
    add_students(store, ("S1", "Jan", "Jansen"))
    assert _found(store, "jansen") == ["S1"]


def test_a_store_upgraded_to_the_index_is_indexed_without_waiting_for_a_sync(store: Store) -> None:
    """``db migrate`` indexes the students it finds without rows; those with rows are left alone."""
    add_students(store, ("S1", "Jan", "Jansen"), ("S2", "Eva", "de Vries"))
    with store.write() as conn:
        conn.execute(student_names.delete().where(student_names.c.student_id == "S1"))
        assert index_unindexed(conn, store.cipher) == 1
        assert index_unindexed(conn, store.cipher) == 0
    assert _found(store, "jans") == ["S1"] and _found(store, "vries") == ["S2"]


def test_names_removed_by_the_sis_remove_the_index(store: Store) -> None:
    """A student sent again without names (their BSN still there) has no index rows left."""
    add_students(store, ("S1", "Jan", "Jansen"))
    result = pipeline.ingest(store, SCHOOL.id, "test", SourceBatch(students=[student(
        "S1", given_names=None, family_name=None)]), "test")
    assert result.accepted and _rows(store) == []


# --- rotation ------------------------------------------------------------------------------------

def _rotated(store_url: str) -> Store:
    return Store.open(store_url, FieldCipher({**KEYS, "k2": NEW_KEY}, "k2"))


def test_a_new_key_still_finds_students_indexed_under_the_old(store: Store, store_url: str) -> None:
    """Before rotation has run, the query is hashed under every key, so the old rows still match."""
    add_students(store, ("S1", "Jan", "Jansen"))
    rotated = _rotated(store_url)
    try:
        assert _found(rotated, "jansen") == ["S1"]
    finally:
        rotated.close()


def test_rotation_moves_the_index_to_the_active_key(store: Store, store_url: str) -> None:
    """After rotate-keys every index row is under the new key, and search works with it alone."""
    add_students(store, ("S1", "Jan", "Jansen"))
    rotated = _rotated(store_url)
    try:
        reencrypt(rotated, actor="beheer")
        assert {kid for _, kid, _ in _rows(rotated)} == {"k2"}
        only_new = Store.open(store_url, FieldCipher({"k2": NEW_KEY}, "k2"))
        try:
            assert _found(only_new, "jan") == ["S1"]
        finally:
            only_new.close()
    finally:
        rotated.close()


# --- retention -----------------------------------------------------------------------------------

def test_retention_clears_the_index_with_the_personal_data(store: Store, worker: Worker) -> None:
    """When a student's personal data goes past its keep period, so do their index rows."""
    _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    run_retention(store, LATER, "beheer", SHORT)
    assert _rows(store) == []


def test_a_dry_run_of_retention_keeps_the_index(store: Store, worker: Worker) -> None:
    """A dry run counts and leaves every index row."""
    _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    before = _rows(store)
    run_retention(store, LATER, "beheer", SHORT, dry_run=True)
    assert before and _rows(store) == before


def test_retention_keeps_the_index_of_a_student_it_keeps(store: Store) -> None:
    """An undelivered melding keeps its student's personal data, and so their index."""
    _melding(store)
    _new_school_year(store)
    run_retention(store, LATER, "beheer", RetentionPolicy(attendance_days=365, melding_days=365))
    assert _found(store, "jannigje") == ["S1"]


# --- migration -----------------------------------------------------------------------------------

def test_migration_0009_copies_the_students_leslocatie_out_of_their_facts(store_url: str) -> None:
    """A student stored at 0008 has their leslocatie in the new column after the upgrade."""
    old = Store.open(store_url, FieldCipher(KEYS, "k1"))
    try:
        old.migrate("0008")
        with old.engine.begin() as conn:
            for sid, place in (("S1", "Noord"), ("S2", None)):
                facts = json.dumps({"id": sid, "leslocatie": place})
                conn.execute(sa.text(
                    "INSERT INTO students (school_id, id, facts, personal, changed_seq, evaluated_seq, "
                    "details_seq) VALUES ('25AB00', :sid, :facts, NULL, 1, 0, 1)"),
                    {"sid": sid, "facts": facts})
        old.migrate()
        with old.read() as conn:
            found = dict(conn.execute(sa.select(students.c.id, students.c.leslocatie)).all())
        assert found == {"S1": "Noord", "S2": None}
    finally:
        old.close()


def test_migration_0009_downgrades_cleanly(store_url: str) -> None:
    """Down to 0008 and up again: the tables are back as declared."""
    s = Store.open(store_url, FieldCipher(KEYS, "k1"))
    try:
        s.migrate()
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with s.engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
            conn.commit()
            assert "student_names" not in sa.inspect(conn).get_table_names()
        s.migrate()
        with s.read() as conn:
            assert "student_names" in sa.inspect(conn).get_table_names()
    finally:
        s.close()


def test_db_migrate_makes_the_names_of_an_upgraded_store_searchable(tmp_path: Path) -> None:
    """The command says how many students it indexed; run again, it has nothing left to do."""
    assert run(tmp_path, "db", "init").returncode == 0
    store = open_store(Settings.from_env({"VERZUIM_DATA_DIR": str(tmp_path / "data")}))
    pipeline.register_school(store, SCHOOL, "test")
    add_students(store, ("S1", "Jan", "Jansen"))
    with store.write() as conn:
        conn.execute(student_names.delete())
    first, again = run(tmp_path, "db", "migrate"), run(tmp_path, "db", "migrate")
    assert "Namen van 1 leerling(en) doorzoekbaar gemaakt." in first.stdout, first.stderr
    assert again.stdout.strip() == "Database bijgewerkt."
    assert _found(store, "jan") == ["S1"]
    store.close()
