"""The console's lists in the store: meldingen and students found by filters and by name or number,
sorted and paged in SQL with the total.

Names are encrypted at rest, so a name is found through a blind index (``student_names``): keyed
hashes of the normalised words of a student's names and their beginnings. The index shows which
students share a word, never the word itself. Sorting by name is not offered: it would need names
in order, in the clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from gateway.store.engine import Store
from gateway.store.meldingen import MeldingView

# Sort keys of the meldingen list -> what they sort on (the helper maps them to columns).
MELDING_SORTS: Final = ("datum", "uiterlijk", "regel", "status", "leerling", "aan", "uren", "bijgewerkt")
STUDENT_SORTS: Final = ("leerling", "meldingen", "open", "laatste")


@dataclass(frozen=True)
class MeldingQuery:
    """Which meldingen of a school, in which order, which page. Empty tuples and None: no filter."""

    statuses: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # rule ids and kinds beyond them (``meldingen.rule``)
    kinds: tuple[str, ...] = ()  # melding, taak, signaal
    recipients: tuple[str, ...] = ()
    leslocatie: str | None = None  # the melding's leslocatie, else its student's
    trigger_from: date | None = None
    trigger_to: date | None = None
    due_only: bool = False  # only meldingen with a due date
    search: str = ""  # words of the student's name, or the start of the student number
    needs_action: bool = False  # lifecycle.NEEDS_ACTION, or a taak still open
    sort: str = "datum"
    descending: bool = True
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class MeldingPage:
    """One page of meldingen and how many match in all."""

    rows: list[MeldingView]
    total: int


@dataclass(frozen=True)
class StudentQuery:
    """Which students of a school: by name or number, leslocatie, with meldingen only."""

    search: str = ""
    leslocatie: str | None = None
    with_meldingen: bool = False
    sort: str = "leerling"
    descending: bool = False
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class StudentRow:
    """A student in the list: number, leslocatie (from the SIS), their meldingen and the newest."""

    student_id: str
    leslocatie: str | None
    meldingen: int
    open_meldingen: int
    last_trigger: date | None


@dataclass(frozen=True)
class StudentPage:
    """One page of students and how many match in all."""

    rows: list[StudentRow]
    total: int


def search_meldingen(store: Store, school_id: str, query: MeldingQuery) -> MeldingPage:
    """One page of a school's meldingen that match ``query``, with the total."""
    raise NotImplementedError


def search_students(store: Store, school_id: str, query: StudentQuery) -> StudentPage:
    """One page of a school's students that match ``query``, with the total."""
    raise NotImplementedError
