"""The core's parser for XML the gateway did not write: every DOCTYPE is refused unread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.delivery.document.xmlsafe import (
    DTD_REFUSED,
    UnsafeXml,
    declares_doctype,
    parse_untrusted,
)
from gateway.domain.errors import InvalidInput

LIMIT = 64 * 1024


def parameter_entity(system: str) -> bytes:
    """A document whose internal subset loads ``system`` through a parameter entity."""
    return f'<!DOCTYPE a [<!ENTITY % x SYSTEM "{system}"> %x;]><a/>'.encode()


def refusal(data: bytes) -> str:
    with pytest.raises(UnsafeXml) as caught:
        parse_untrusted(data, LIMIT)
    return str(caught.value)


def test_a_parameter_entity_naming_a_file_is_refused_without_its_content(tmp_path: Path) -> None:
    """The file a parameter entity names is never read: nothing of it shows in the refusal."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:geheim-woord\n", encoding="utf-8")
    message = refusal(parameter_entity(secret.as_uri()))
    assert message == DTD_REFUSED
    assert "geheim" not in message and "root" not in message


def test_the_refusal_reads_the_same_whether_the_named_file_exists_or_not(tmp_path: Path) -> None:
    """An attacker cannot probe for files: an existing and a missing file give one answer."""
    existing = tmp_path / "bestaat.txt"
    existing.write_text("x", encoding="utf-8")
    missing = tmp_path / "bestaat-niet.txt"
    assert refusal(parameter_entity(existing.as_uri())) == refusal(parameter_entity(missing.as_uri()))


def test_etc_passwd_through_a_parameter_entity_is_refused_unread() -> None:
    """The issue's own example: ``/etc/passwd`` named by a parameter entity."""
    assert refusal(parameter_entity("file:///etc/passwd")) == DTD_REFUSED


def test_a_parameter_entity_naming_dev_zero_is_refused_promptly() -> None:
    """``/dev/zero`` never ends; the refusal comes before anything is read (run in a child with
    a timeout, so a regression fails instead of hanging the suite)."""
    code = ("from gateway.delivery.document.xmlsafe import UnsafeXml, parse_untrusted\n"
            "try:\n"
            "    parse_untrusted(b'<!DOCTYPE a [<!ENTITY % x SYSTEM \"file:///dev/zero\"> %x;]><a/>',"
            " 4096)\n"
            "except UnsafeXml as exc:\n"
            "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          check=True)
    assert done.stdout.strip() == DTD_REFUSED


def test_an_external_general_entity_is_refused() -> None:
    """Classic XXE: an external entity used in the content."""
    xxe = b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    assert refusal(xxe) == DTD_REFUSED


def test_billion_laughs_is_refused() -> None:
    """Nested internal entities (the billion laughs) are refused before any is declared."""
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<!DOCTYPE a [<!ENTITY l0 "lol">{entities}]><a>&l9;</a>'.encode()
    assert refusal(bomb) == DTD_REFUSED


def test_an_external_dtd_naming_dev_zero_is_refused() -> None:
    """A DOCTYPE without internal subset that names an external DTD is refused as well."""
    assert refusal(b'<!DOCTYPE a SYSTEM "file:///dev/zero"><a/>') == DTD_REFUSED


def test_a_doctype_in_utf16_is_refused() -> None:
    """The check works on the parsed prolog, not on bytes: another encoding does not hide it."""
    data = ('<?xml version="1.0" encoding="UTF-16"?>'
            '<!DOCTYPE a [<!ENTITY % x SYSTEM "file:///dev/zero"> %x;]><a/>').encode("utf-16")
    assert refusal(data) == DTD_REFUSED


def test_the_word_doctype_inside_content_is_no_doctype() -> None:
    """``<!DOCTYPE`` in a comment or CDATA section is text, and the document is read."""
    data = b"<a><!-- <!DOCTYPE x> --><![CDATA[<!DOCTYPE y>]]></a>"
    assert declares_doctype(data) is False
    assert parse_untrusted(data, LIMIT)[0].tail == "<!DOCTYPE y>"


def test_a_broken_prolog_is_refused_as_no_valid_xml() -> None:
    """A prolog that is no XML is refused with the parser's position, not taken for safe."""
    assert refusal(b'<?xml versio="1.0"?><a/>').startswith("geen geldige XML: ")


def test_input_over_the_limit_is_refused_before_parsing() -> None:
    """The size limit comes first."""
    with pytest.raises(UnsafeXml, match="groter dan 10 bytes"):
        parse_untrusted(b"<a>" + b"x" * 20 + b"</a>", 10)


def test_a_refusal_is_a_domain_error() -> None:
    """Callers catch it as invalid input, like any other bad input."""
    assert issubclass(UnsafeXml, InvalidInput)
