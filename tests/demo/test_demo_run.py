"""``verzuim-gateway demo`` end to end: it exits 0 and leaves correct output behind."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from email import message_from_bytes
from email.utils import getaddresses
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from gateway.delivery.document.schema import VZ, schema_path
from tests.demo.conftest import CLI, DemoRun

pytestmark = pytest.mark.slow


def test_demo_exits_zero_and_says_so(demo_run: DemoRun) -> None:
    """The demo finishes with exit status 0 and a Dutch success line."""
    assert demo_run.returncode == 0, demo_run.stdout[-3000:] + demo_run.stderr[-3000:]
    assert "Demo geslaagd" in demo_run.stdout


def test_demo_shows_progress_and_a_summary_per_rule_and_channel(demo_run: DemoRun) -> None:
    """Numbered progress lines, then a table per rule and lines per channel."""
    assert "[ 1/16]" in demo_run.stdout and "[16/16]" in demo_run.stdout
    assert "Per regel" in demo_run.stdout and "Per kanaal" in demo_run.stdout
    assert "no-show" in demo_run.stdout and "DUO (SOAP, mutual TLS)" in demo_run.stdout


def test_demo_leaves_database_duo_mail_and_pki(demo_run: DemoRun) -> None:
    """gateway.db, duo/*.xml, mail/*.eml and pki/ with the receiving desks' keys are left behind."""
    out = demo_run.workdir
    assert (out / "gateway.db").is_file()
    assert list((out / "duo").glob("*.xml"))
    assert list((out / "mail").glob("*.eml"))
    assert (out / "pki" / "ca.crt").is_file()
    assert list((out / "pki" / "recipients").glob("*.key"))


def test_duo_request_bodies_validate_against_the_xsd(demo_run: DemoRun) -> None:
    """Every saved SOAP request body validates with xmllint against the DUO XSD."""
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        pytest.skip("xmllint ontbreekt")
    files = sorted(str(p) for p in (demo_run.workdir / "duo").glob("*.xml"))
    proc = subprocess.run([xmllint, "--noout", "--schema", str(schema_path()),
                           *files], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_no_melding_reaches_duo_twice(demo_run: DemoRun) -> None:
    """Each MeldenVerzuim document id occurs once among the requests DUO received."""
    kenmerken = Counter()
    for path in (demo_run.workdir / "duo").glob("*-MeldenVerzuim.xml"):
        root = etree.fromstring(path.read_bytes())
        kenmerken[root.findtext(f"{{{VZ}}}bedrijfsdocument/{{{VZ}}}identificatiecodeBedrijfsdocument")] += 1
    assert kenmerken and max(kenmerken.values()) == 1


def test_a_revised_melding_is_withdrawn_at_duo(demo_run: DemoRun) -> None:
    """The melding the school revised (the student was ill) reaches DUO once, then its withdrawal."""
    withdrawals = list((demo_run.workdir / "duo").glob("*-IntrekkenMelding.xml"))
    assert len(withdrawals) == 1
    assert "1 intrekking(en)" in demo_run.stdout


def _desk_for(address: str, recipients: Path) -> tuple[Path, Path]:
    for cert_path in recipients.glob("*.crt"):
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if address in [a.lower() for a in san.get_values_for_type(x509.RFC822Name)]:
            return cert_path, cert_path.with_suffix(".key")
    raise AssertionError(f"geen loket voor {address}")


def test_a_mail_decrypts_with_openssl_using_the_receivers_key(demo_run: DemoRun, tmp_path: Path) -> None:
    """openssl smime -decrypt opens a demo mail with the addressed desk's key from DIR/pki."""
    mail = sorted((demo_run.workdir / "mail").glob("*.eml"))[0]
    message = message_from_bytes(mail.read_bytes())
    address = getaddresses([str(message["To"])])[0][1].lower()
    cert, key = _desk_for(address, demo_run.workdir / "pki" / "recipients")
    proc = subprocess.run(["openssl", "smime", "-decrypt", "-in", str(mail), "-recip", str(cert),
                           "-inkey", str(key), "-out", str(tmp_path / "signed.eml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert b"multipart/signed" in (tmp_path / "signed.eml").read_bytes()


def test_audit_verify_on_the_demo_database_exits_zero(demo_run: DemoRun) -> None:
    """``verzuim-gateway audit verify`` accepts the demo's audit chain."""
    env = {**os.environ, "VERZUIM_DATA_DIR": str(demo_run.workdir)}
    env.pop("VERZUIM_DATABASE_URL", None)
    proc = subprocess.run([CLI, "audit", "verify"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "in orde" in proc.stdout
