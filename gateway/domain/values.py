"""The canonical value types: strict, so a slip in a source is refused instead of guessed at.

JSON has no date or time type, so dates and times arrive as ISO text and are read here in one way
only; adapters pass ``date`` and ``time`` objects, which are taken as they are. Booleans, counts
and texts must come as their own JSON type: ``"yes"`` is no boolean and ``"12"`` no number.
Errors keep pydantic's error types (``date_type``, ``time_parsing``, ...), which
``gateway.intake.validation`` words in Dutch; checks of the domain's own raise ``ValueError``
with a Dutch message that never repeats the value (it may be personal data).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StrictBool, StrictInt, StrictStr, WithJsonSchema
from pydantic_core import PydanticCustomError

from gateway.domain.identity import is_valid_bsn, is_valid_onderwijsnummer

__all__ = ["Bsn", "CalendarDay", "LocalTime", "Onderwijsnummer", "StrictBool", "StrictInt", "StrictStr"]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A plain local time: UU:MM, or UU:MM:SS as a time written back by ``model_dump`` reads.
_PLAIN_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")
_OFFSET = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)", re.IGNORECASE)
_DATE_TYPE = ("date_type", "Input should be a valid date")
_DATE_PARSING = ("date_parsing", "Input should be a valid date in the format YYYY-MM-DD")
_OFFSET_REFUSED = ("tijd met een tijdzone: geef de lokale tijd (Europe/Amsterdam) als UU:MM, "
                   "zonder verschuiving")


def _day(value: object) -> date:
    """A ``date`` as is, or ISO text ``JJJJ-MM-DD``; never a number (seconds since 1970) or a moment."""
    if isinstance(value, datetime):
        raise PydanticCustomError(*_DATE_TYPE)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(*_DATE_TYPE)
    if _ISO_DAY.fullmatch(value) is None:
        raise PydanticCustomError(*_DATE_PARSING)
    try:
        return date.fromisoformat(value)
    except ValueError:  # 2026-02-30: pydantic's own type, worded by the one translation table
        raise PydanticCustomError(*_DATE_PARSING) from None


def _local_time(value: object) -> time:
    """A naive ``time`` as is, or text ``UU:MM``; a number or a time with an offset is refused."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(_OFFSET_REFUSED)
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("time_type", "Input should be a valid time")
    if _OFFSET.fullmatch(value) is not None:
        raise ValueError(_OFFSET_REFUSED)
    if _PLAIN_TIME.fullmatch(value) is None:
        raise PydanticCustomError("time_parsing", "Input should be in a valid time format")
    try:
        return time.fromisoformat(value)
    except ValueError:  # 25:00
        raise PydanticCustomError("time_parsing", "Input should be in a valid time format") from None


def _bsn(value: str) -> str:
    if not is_valid_bsn(value):
        raise ValueError("is geen geldig BSN: negen cijfers die de elfproef doorstaan")
    return value


def _onderwijsnummer(value: str) -> str:
    if not is_valid_onderwijsnummer(value):
        raise ValueError("is geen geldig onderwijsnummer: negen cijfers, beginnend met 10, "
                         "die de elfproef doorstaan")
    return value


CalendarDay = Annotated[date, BeforeValidator(_day)]
# JSON Schema's "time" format demands an offset (RFC 3339); the OpenAPI document says what is meant.
LocalTime = Annotated[time, BeforeValidator(_local_time), WithJsonSchema({
    "type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$", "examples": ["08:30"],
    "description": "Local time (Europe/Amsterdam) as UU:MM, without an offset"})]
Bsn = Annotated[StrictStr, AfterValidator(_bsn), WithJsonSchema({
    "type": "string", "pattern": r"^\d{9}$", "description": "Nine digits that pass the BSN elfproef"})]
Onderwijsnummer = Annotated[StrictStr, AfterValidator(_onderwijsnummer), WithJsonSchema({
    "type": "string", "pattern": r"^10\d{7}$",
    "description": "Nine digits starting with 10 that pass the onderwijsnummer elfproef"})]

# A Dutch or international phone number as people write it: digits, an optional leading "+",
# spaces, hyphens and one pair of brackets; 10 to 15 digits in all (06-12345678, +31 6 1234 5678).
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{8,20}$"
_PHONE = re.compile(PHONE_PATTERN)
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 10, 15


def is_phone_number(value: str) -> bool:
    """Whether ``value`` is written like a phone number (``PHONE_PATTERN``, 10 to 15 digits)."""
    digits = sum(c.isdigit() for c in value)
    return _PHONE.fullmatch(value) is not None and MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS


def _phone(value: str) -> str:
    if not is_phone_number(value):
        raise ValueError("is geen telefoonnummer: 10 tot 15 cijfers, eventueel met +, spaties of streepjes")
    return value


PhoneNumber = Annotated[StrictStr, AfterValidator(_phone), WithJsonSchema({
    "type": "string", "pattern": PHONE_PATTERN, "examples": ["06-12345678", "+31 20 123 4567"],
    "description": "A phone number: 10 to 15 digits, optionally with +, spaces or hyphens"})]
