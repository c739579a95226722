"""Canonical absence reasons (pinned, DESIGN.md section 2)."""

from __future__ import annotations

from typing import Final

AUTHORISED: Final = frozenset({
    "ziek", "artsbezoek", "overmacht", "verlof", "schorsing", "stage", "vrijstelling",
    "administratieve_correctie", "zwanger",
})
UNAUTHORISED: Final = frozenset({
    "spijbelen", "toegang_geweigerd", "luxe_verzuim", "werk_ongeoorloofd", "onbekend",
})
ALL_REASONS: Final = AUTHORISED | UNAUTHORISED
# Each reason as a word for people (console, reports).
REASON_NAMES: Final = {
    "ziek": "ziek", "artsbezoek": "bezoek arts of tandarts", "overmacht": "overmacht", "verlof": "verlof",
    "schorsing": "schorsing", "stage": "stage", "vrijstelling": "vrijstelling",
    "administratieve_correctie": "administratieve correctie", "zwanger": "zwangerschap",
    "spijbelen": "spijbelen", "toegang_geweigerd": "toegang geweigerd", "luxe_verzuim": "luxe verzuim",
    "werk_ongeoorloofd": "werken zonder toestemming", "onbekend": "onbekend",
}

# Stable small-integer codes for columnar evaluation; index into REASON_CODES.
REASON_CODES: Final = tuple(sorted(ALL_REASONS))
REASON_INDEX: Final = {name: i for i, name in enumerate(REASON_CODES)}
NO_REASON: Final = -1


def is_authorised(reason: str | None) -> bool:
    """True for a geoorloofd reason; no reason means `onbekend`, which is unauthorised."""
    return reason in AUTHORISED
