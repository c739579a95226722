"""The one way the gateway reads XML it did not write: a hardened parser that refuses any DTD.

lxml's switches (no entity resolution, no DTD loading, no network) do not stop libxml2 from
reading the internal subset, and a parameter entity there (``<!ENTITY % x SYSTEM "file:...">
%x;``) is loaded all the same: it reads local files, or blocks forever on ``/dev/zero``. So a
document is first read by a parser that stops at the DOCTYPE's name, before any of its subset is
read, and only a document without one is parsed into a tree.
"""

from __future__ import annotations

from lxml import etree

from gateway.domain.errors import InvalidInput

# One wording for every DTD, whatever it names: the answer must not tell whether a file exists.
DTD_REFUSED = "DTD's en entiteiten zijn niet toegestaan"


class UnsafeXml(InvalidInput):
    """Inbound XML was too large, malformed, or carried a DTD."""


def hardened_parser() -> etree.XMLParser:
    """A parser with entities, DTDs and network access off, and no huge trees."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_blank_text=False, collect_ids=False,
    )


class _Doctype(Exception):
    """Raised by the prolog scan when the document declares a DOCTYPE."""


class _RootReached(Exception):
    """Raised by the prolog scan at the root element: no DOCTYPE can follow it."""


class _PrologScan:
    """A parser target that stops at the first DOCTYPE or, failing that, at the root element."""

    def doctype(self, name: str | bytes | None, pubid: str | bytes | None,
                system: str | bytes | None) -> None:
        raise _Doctype

    def start(self, tag: str | bytes, attrib: dict[str | bytes, str | bytes]) -> None:
        raise _RootReached

    # The rest of lxml's target protocol: comments before the root element pass unnoticed, and
    # the scan never gets past the root's start tag to see data or an end tag.
    def comment(self, text: str | bytes) -> None:
        return None

    def data(self, data: str | bytes) -> None:
        return None

    def end(self, tag: str | bytes) -> None:
        return None

    def close(self) -> None:
        return None


def declares_doctype(data: bytes) -> bool:
    """Whether ``data`` declares a DOCTYPE, found without reading anything of its subset.

    libxml2 reports the DOCTYPE's name before it reads the subset, and the scan stops right there
    (or at the root element). A prolog too broken to get that far counts as none: the parser that
    reads the document reports it (libxml2 stops at its first fatal error, before any subset).
    """
    scan = etree.XMLParser(target=_PrologScan(), resolve_entities=False, no_network=True,
                           load_dtd=False, huge_tree=False)
    try:
        etree.fromstring(data, parser=scan)
    except _Doctype:
        return True
    except (_RootReached, etree.XMLSyntaxError):
        return False
    return False


def parse_untrusted(data: bytes, limit: int) -> etree._Element:
    """Parse inbound XML: refuse anything over ``limit`` bytes, any DTD, or malformed input."""
    if len(data) > limit:
        raise UnsafeXml(f"bericht groter dan {limit} bytes")
    if declares_doctype(data):
        raise UnsafeXml(DTD_REFUSED)
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"geen geldige XML: {exc}") from exc
    # The scan above already refused any DOCTYPE; this guards against a libxml2 that reports one
    # differently.
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise UnsafeXml(DTD_REFUSED)
    return root
