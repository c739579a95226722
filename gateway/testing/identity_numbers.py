"""Made-up onderwijsnummers that pass DUO's elfproef: one per serial, never two alike.

The synthetic school, the demo and the tests take their numbers from here, so no test carries a
hand-computed check digit. The check itself stays with its owner, ``gateway.domain.identity``.
"""

from __future__ import annotations

from gateway.domain.identity import is_valid_onderwijsnummer

MAX_SERIAL = 500_000  # serials below this; six digits from here on are the fallback range
_PREFIX = "10"  # every onderwijsnummer starts with 10


def _completed(body: str) -> str | None:
    """``body`` with the check digit that passes the elfproef, or None when none does."""
    return next((body + str(d) for d in range(10) if is_valid_onderwijsnummer(body + str(d))), None)


def onderwijsnummer(serial: int) -> str:
    """The onderwijsnummer of ``serial`` (0 <= serial < 500000): ``10``, six digits, a check digit.

    When no check digit fits the serial's six digits (the remainder would be 10), the serial plus
    500000 is used instead: that adds 5 to a digit of weight 7, moving the sum by 2 (mod 11), so a
    check digit fits, and no serial owns that number.
    """
    if not 0 <= serial < MAX_SERIAL:
        raise ValueError(f"serial must be in [0, {MAX_SERIAL})")
    return (_completed(f"{_PREFIX}{serial:06d}")
            or f"{_PREFIX}{serial + MAX_SERIAL:06d}" + "1")  # the remainder 10 plus 2 is 1 (mod 11)
