"""The DUO adapter's status table, its packaged contract files and its parser for what comes in."""

from __future__ import annotations

import pytest

from adapters.duo.codes import canonical_status
from adapters.duo.xmlsafe import UnsafeXml, contract_file, parse_untrusted, wsdl_path
from gateway.delivery.document.schema import SCHEMA_FILE, SCHEMA_FILES, VZ_V1, schema_path


@pytest.mark.parametrize(("duo", "canonical"), [
    ("Geregistreerd", "geregistreerd"), ("In behandeling", "in_behandeling"),
    ("Afgesloten", "afgesloten"), ("Ingetrokken", "ingetrokken"),
    ("Ter kennisgeving aangenomen", "ter_kennisgeving"),
    ("Overgedragen aan derden", "in_behandeling"), ("D", "in_behandeling"),
])
def test_duo_status_maps_to_canonical(duo: str, canonical: str) -> None:
    """DUO's status values (and the legacy one) map to the lowercase canonical statuses."""
    assert canonical_status(duo) == canonical


def test_unknown_status_is_read_without_failing() -> None:
    """An unknown status value passes through lowercased instead of failing."""
    assert canonical_status("Nieuw Iets") == "nieuw_iets"


def test_parser_refuses_dtd() -> None:
    """Inbound XML with a DTD is refused."""
    with pytest.raises(UnsafeXml):
        parse_untrusted(b'<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>')


def test_parser_refuses_oversized_input() -> None:
    """Inbound XML over the size limit is refused before parsing."""
    with pytest.raises(UnsafeXml):
        parse_untrusted(b"<a>" + b"x" * 100 + b"</a>", limit=50)


def test_the_wsdl_import_resolves_to_the_melding_documents_xsd() -> None:
    """The one XSD is the core's; the WSDL's import of it by name is served from there."""
    imported = wsdl_path().parent / SCHEMA_FILE
    assert contract_file(str(imported)) == schema_path()
    assert contract_file(f"file://{wsdl_path()}") == wsdl_path()


def test_the_gateway_speaks_version_2() -> None:
    """The packaged WSDL the client uses is version 2's, and it imports version 2's XSD."""
    assert wsdl_path().name == "DUO_Verzuimloket_V2.wsdl"
    assert b'schemaLocation="DUO_Verzuimloket_V2.xsd"' in wsdl_path().read_bytes()
    assert SCHEMA_FILE == "DUO_Verzuimloket_V2.xsd"


def test_version_1_contract_files_are_still_packaged() -> None:
    """Version 1's WSDL and the XSD it imports resolve too (the stand-in still reads version 1)."""
    imported = wsdl_path(VZ_V1).parent / SCHEMA_FILES[VZ_V1]
    assert contract_file(str(imported)) == schema_path(VZ_V1)
    assert contract_file(f"file://{wsdl_path(VZ_V1)}") == wsdl_path(VZ_V1)


@pytest.mark.parametrize("location", ["https://duo.example/DUO_Verzuimloket_V1.xsd",
                                      "/etc/passwd", "other.xsd"])
def test_no_other_contract_file_is_loaded(location: str) -> None:
    """Nothing over the network and no other file: the contract is what the package holds."""
    with pytest.raises(ValueError, match="niet opgehaald"):
        contract_file(location)
