"""The OIN (Organisatie-identificatienummer): its form, and where a certificate carries it.

An OIN is twenty digits or capitals: one derived from a BRIN holds the BRIN's letters, so the
Verzuimloket schema's OIN type allows ``[0-9A-Z]{20}``. A PKIoverheid certificate carries its
holder's OIN in ``subject.serialNumber``.
"""

from __future__ import annotations

import re
from typing import Final

from cryptography import x509
from cryptography.x509.oid import NameOID

OIN_PATTERN: Final = r"^[0-9A-Z]{20}$"
_OIN_RE: Final = re.compile(OIN_PATTERN)
# The form in words, for messages to people.
OIN_FORM: Final = "twintig tekens, cijfers of hoofdletters"


def is_oin(value: str) -> bool:
    """True when ``value`` has the form of an OIN."""
    return _OIN_RE.fullmatch(value) is not None  # fullmatch: "$" alone lets a trailing newline in


def certificate_oin(certificate: x509.Certificate) -> str | None:
    """The OIN a certificate carries in ``subject.serialNumber``, if any."""
    values = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode()
