"""The form of a mail address: one for configuration, the recipient directory and the mail channel."""

from __future__ import annotations

import re
from typing import Final

# One @, something before it, a domain with a dot after it, no spaces: what SMTP will accept.
MAIL_ADDRESS_PATTERN: Final = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"
_MAIL_ADDRESS_RE: Final = re.compile(MAIL_ADDRESS_PATTERN)


def is_mail_address(value: str) -> bool:
    """Whether ``value`` has the form of a mail address."""
    return _MAIL_ADDRESS_RE.fullmatch(value) is not None
