"""The blind index of students' names: find a student by (part of) a name without names in clear.

Each word of a student's given and family names is normalised (NFKD, accents stripped, case folded,
split on anything not a letter or digit) and hashed with a key derived from the field-encryption
key (HMAC-SHA256, 16 bytes), together with every beginning of the word of at least 2 letters, so
"jan" finds "Jansen" and "ozil" finds "Özil". The school is part of what is hashed: the same name
at two schools gives different tokens. A query is hashed under every known key, so a student whose
index was made under an older key is still found while rotation catches up.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Final

import sqlalchemy as sa

from gateway.store.crypto import FieldCipher
from gateway.store.schema import student_names, students

NAME_FIELDS: Final = ("given_names", "family_name")
MIN_PREFIX: Final = 2  # a beginning of one letter would match half the school
TOKEN_BYTES: Final = 16
_WORD = re.compile(r"[^\W_]+")  # letters and digits; spaces, hyphens, apostrophes split words
_CHUNK = 1000


def normalised_words(text: str) -> list[str]:
    """The words of ``text`` as the index keeps them: accents stripped, case folded, in order."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _WORD.findall(bare)


def name_words(personal: Mapping[str, Any]) -> set[str]:
    """The normalised words of a student's given names and family name (personal data fields)."""
    words: set[str] = set()
    for field in NAME_FIELDS:
        value = personal.get(field)
        if isinstance(value, str):
            words.update(normalised_words(value))
    return words


def _beginnings(word: str) -> Iterable[str]:
    if len(word) < MIN_PREFIX:
        return (word,)
    return (word[:n] for n in range(MIN_PREFIX, len(word) + 1))


def token(key: bytes, school_id: str, word: str) -> str:
    """The index token of one normalised word (or beginning) at a school."""
    return hmac.digest(key, f"{school_id}\x1f{word}".encode(), hashlib.sha256)[:TOKEN_BYTES].hex()


class NameHasher:
    """Makes the tokens of one school under one key (as ``token``, faster for many students)."""

    def __init__(self, key: bytes, school_id: str) -> None:
        # The key and the school are taken in once and the state copied for each word: a first
        # sync of 20,000 students makes some 300,000 tokens.
        self._base = hmac.new(key, f"{school_id}\x1f".encode(), hashlib.sha256)

    def tokens(self, words: Iterable[str]) -> set[str]:
        """The tokens of the words and of each of their beginnings of at least 2 letters."""
        out: set[str] = set()
        for part in {part for word in words for part in _beginnings(word)}:
            mac = self._base.copy()
            mac.update(part.encode())
            out.add(mac.digest()[:TOKEN_BYTES].hex())
        return out


def tokens(key: bytes, school_id: str, words: Iterable[str]) -> set[str]:
    """The tokens of the words and of each of their beginnings of at least 2 letters."""
    return NameHasher(key, school_id).tokens(words)


def query_tokens(cipher: FieldCipher, school_id: str, word: str) -> list[str]:
    """The tokens one normalised query word has under every known key."""
    return sorted(token(key, school_id, word) for key in cipher.search_keys().values())


def replace_index(
    conn: sa.Connection, cipher: FieldCipher, school_id: str, personal: Mapping[str, Mapping[str, Any] | None]
) -> None:
    """Index the students' names anew under the active key: ``personal`` maps a student id to its
    personal data fields (None: none left); the student's old index rows go."""
    forget(conn, school_id, personal)
    add_index(conn, cipher, school_id, personal)


def add_index(
    conn: sa.Connection, cipher: FieldCipher, school_id: str, personal: Mapping[str, Mapping[str, Any] | None]
) -> None:
    """Index the names of students that have no index rows yet (new ones), under the active key."""
    kid = cipher.active_key_id
    hasher = NameHasher(cipher.search_keys()[kid], school_id)
    rows = [(school_id, sid, kid, t) for sid, fields in personal.items() if fields
            for t in hasher.tokens(name_words(fields))]
    # Plain executemany: a first sync writes some 300,000 rows, Core's per-row work would double it.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO student_names (school_id, student_id, key_id, token) VALUES ({', '.join([mark] * 4)})"  # noqa: S608
    for i in range(0, len(rows), _CHUNK * 10):
        conn.exec_driver_sql(sql, rows[i : i + _CHUNK * 10])


def forget(conn: sa.Connection, school_id: str, ids: Iterable[str]) -> None:
    """Remove the index rows of these students."""
    wanted = list(ids)
    for i in range(0, len(wanted), _CHUNK):
        conn.execute(student_names.delete().where(student_names.c.school_id == school_id,
                                                  student_names.c.student_id.in_(wanted[i : i + _CHUNK])))


def forget_without_personal(conn: sa.Connection, school_id: str) -> int:
    """Remove the index rows of the school's students whose personal data is gone; returns how many."""
    cleared = sa.select(students.c.id).where(students.c.school_id == school_id, students.c.personal.is_(None))
    gone = conn.execute(student_names.delete().where(student_names.c.school_id == school_id,
                                                     student_names.c.student_id.in_(cleared)))
    return int(gone.rowcount)


def indexed_under(conn: sa.Connection, school_id: str, key_id: str, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` have index rows made under ``key_id``."""
    wanted = list(ids)
    found: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        found.update(conn.scalars(
            sa.select(student_names.c.student_id).distinct().where(
                student_names.c.school_id == school_id, student_names.c.key_id == key_id,
                student_names.c.student_id.in_(wanted[i : i + _CHUNK]))))
    return found


def matching_students(
    cipher: FieldCipher, school_id: str, text: str
) -> sa.CompoundSelect[tuple[str]] | sa.Select[tuple[str]]:
    """The ids of the school's students ``text`` finds: every word of it a word (or beginning) of
    their names, or the whole text the start of their student number (any case). One set, so a
    list probes its rows with it once."""
    by_number = sa.select(students.c.id).where(
        students.c.school_id == school_id,
        sa.func.lower(students.c.id).startswith(text.strip().lower(), autoescape=True))
    words = sorted(set(normalised_words(text)))
    if not words:
        return by_number
    by_name = [
        sa.select(student_names.c.student_id).where(
            student_names.c.school_id == school_id,
            student_names.c.token.in_(query_tokens(cipher, school_id, word)))
        for word in words
    ]
    if len(by_name) == 1:
        return sa.union(by_name[0], by_number)
    every = sa.intersect(*by_name).subquery("every_word")  # SQLite nests a compound only in FROM
    return sa.union(sa.select(every.c.student_id), by_number)


def search_condition(
    cipher: FieldCipher, school_id: str, text: str, student_id: sa.ColumnElement[str]
) -> sa.ColumnElement[bool]:
    """Whether the student the ``student_id`` column names is one ``text`` finds (``matching_students``)."""
    return student_id.in_(matching_students(cipher, school_id, text))
