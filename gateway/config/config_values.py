"""The values inside a school's configuration that a receiver would refuse later, checked now.

``config check`` calls these after the file's structure is valid: the vestiging as DUO's schema
wants it, files named in source and channel tables (certificates, calendars) that exist and parse,
OINs and mail addresses. Each returns ``Finding``s; none makes a connection. ``did_you_mean``
suggests the nearest allowed name for a misspelt one.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.domain.mail_address import is_mail_address
from gateway.domain.model import Calendar
from gateway.domain.oin import OIN_FORM, is_oin
from gateway.domain.vestiging import VESTIGING_FORM, is_vestiging
from gateway.intake.validation import describe

# Keys of source and channel tables that name a file on this machine.
CERTIFICATE_KEYS = frozenset({"client_cert", "client_key", "ca", "signing_cert", "signing_key"})
CALENDAR_KEY = "calendar_file"
# Keys that hold a mail address (besides the school's contact_email).
MAIL_KEYS = frozenset({"sender", "reply_to", "contact_email"})
MAIL_FORM = "een e-mailadres, bijvoorbeeld verzuim@school.nl"


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth a look) in the file: the key, what is wrong, what is allowed."""

    key: str
    message: str
    allowed: str = ""

    def render(self) -> str:
        """One line for people: ``key: wat er mis is. Toegestaan: ...``."""
        text = f"{self.key}: {self.message}"
        if not self.allowed:
            return text
        stop = "" if text.endswith(("?", ".")) else "."  # "bedoelt u 'x'?" ends its own sentence
        return f"{text}{stop} Toegestaan: {self.allowed}"


def did_you_mean(word: str, candidates: Collection[str]) -> str:
    """``; bedoelt u 'x'?`` for the allowed name closest to ``word``, or nothing when none is close."""
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f"; bedoelt u '{close[0]}'?" if close else ""


def location_findings(location: str | None) -> list[Finding]:
    """The school's location must be DUO's vestiging number (a name makes every melding a dead letter)."""
    if location is None or is_vestiging(location):
        return []
    return [Finding("location", f"'{location}' is geen vestigingsnummer zoals DUO dat verwacht; "
                                "elke melding zou door DUO geweigerd worden", VESTIGING_FORM)]


def mail_finding(where: str, value: Any) -> Finding | None:
    """A mail address that is not one."""
    if isinstance(value, str) and is_mail_address(value):
        return None
    return Finding(where, f"'{value}' is geen e-mailadres", MAIL_FORM)


def _calendar_problem(path: Path) -> str | None:
    try:
        Calendar.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as exc:
        return f"kalenderbestand '{path}' is niet te lezen ({exc})"
    except json.JSONDecodeError as exc:
        return f"kalenderbestand '{path}' is geen geldige JSON (regel {exc.lineno}, kolom {exc.colno})"
    except ValidationError as exc:
        return f"kalenderbestand '{path}' is geen geldige kalender: {describe(exc)}"
    return None


def _file_finding(where: str, key: str, value: Any) -> Finding | None:
    path = Path(str(value))
    if not path.is_file():
        what = "kalenderbestand" if key == CALENDAR_KEY else "bestand"
        return Finding(where, f"{what} '{path}' bestaat niet (of is geen bestand)",
                       "het pad naar een bestaand bestand op deze machine")
    if key == CALENDAR_KEY:
        problem = _calendar_problem(path)
        if problem:
            return Finding(where, problem, "JSON met first_school_day, last_school_day en holidays")
    return None


def _value_finding(where: str, key: str, value: Any) -> Finding | None:
    if key in CERTIFICATE_KEYS or key == CALENDAR_KEY:
        return _file_finding(where, key, value)
    if key in MAIL_KEYS:
        return mail_finding(where, value)
    if key.endswith("oin") and not (isinstance(value, str) and is_oin(value)):
        return Finding(where, f"'{value}' is geen OIN", f"{OIN_FORM}, bijvoorbeeld \"00000001234567890000\"")
    return None


def table_value_findings(section: str, options: Mapping[str, Any]) -> Iterator[Finding]:
    """The files, OINs and mail addresses of one source or channel table."""
    for key, value in options.items():
        finding = _value_finding(f"{section}.{key}", key, value)
        if finding is not None:
            yield finding
