"""Dutch identity numbers: the BSN and the onderwijsnummer, checked by the elfproef.

The one owner of the check: the canonical ``Student`` refuses a bad number on arrival, and the
melding document and DUO's stand-in use the same functions. The arithmetic is python-stdnum's
(``stdnum.nl.bsn``, ``stdnum.nl.onderwijsnummer``); this module adds the canonical form: exactly
nine digits, no dots, spaces or dashes (a source that writes ``1234.56.782`` is a source to fix).
"""

from __future__ import annotations

import re

from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import onderwijsnummer as stdnum_onderwijsnummer

IDENTIFIER_DIGITS = 9
_NINE_DIGITS = re.compile(rf"\d{{{IDENTIFIER_DIGITS}}}")


def is_valid_bsn(number: str) -> bool:
    """True when ``number`` is nine digits that pass the BSN elfproef."""
    return _NINE_DIGITS.fullmatch(number) is not None and stdnum_bsn.is_valid(number)


def is_valid_onderwijsnummer(number: str) -> bool:
    """True when ``number`` is nine digits, starts with 10 and passes the onderwijsnummer elfproef."""
    return _NINE_DIGITS.fullmatch(number) is not None and stdnum_onderwijsnummer.is_valid(number)


def elfproef(number: str, *, onderwijsnummer: bool = False) -> bool:
    """The elfproef of a BSN, or with ``onderwijsnummer=True`` of an onderwijsnummer."""
    return is_valid_onderwijsnummer(number) if onderwijsnummer else is_valid_bsn(number)
