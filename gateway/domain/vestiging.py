"""The vestiging (school location) as DUO's Verzuimloket schema wants it: two digits.

The schema's ``Instelling/vestiging`` is a ``Vestiging``: ``[0-9]{2}``, the location's number
under the BRIN (``25KN`` location ``01``). A name such as "Den Helder" makes every melding of the
school invalid at DUO, so the school's configuration check and the melding document both use this
one rule.
"""

from __future__ import annotations

import re
from typing import Final

VESTIGING_PATTERN: Final = r"[0-9]{2}"
_VESTIGING_RE: Final = re.compile(VESTIGING_PATTERN)
# The form in words, for messages to people.
VESTIGING_FORM: Final = ("het vestigingsnummer bij DUO: twee cijfers, bijvoorbeeld \"01\" "
                         "(geen plaatsnaam; laat location weg als de school één vestiging heeft)")


def is_vestiging(value: str) -> bool:
    """True when ``value`` is a vestiging number as DUO's schema allows it."""
    return _VESTIGING_RE.fullmatch(value) is not None
