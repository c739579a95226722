"""`verzuim-gateway mail decrypt` for the receiving side: prints the melding, checks the signature."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.mail import smime
from adapters.mail.compose import MailContent, Signer, compose
from gateway.cli import cli
from gateway.domain.ports import OutgoingMelding
from tests.channel_settings import ChannelPki
from tests.mail.helpers import STUDENT_BSN


@pytest.fixture
def mail_file(pki: ChannelPki, melding: OutgoingMelding, tmp_path: Path) -> Path:
    """A composed melding mail for the demo Leerplicht desk, saved as .eml."""
    school = pki.demo.objects["school-smime"]
    mail = compose(MailContent(melding, pki.demo.duo_oin, datetime.now(UTC)),
                   Signer("verzuim@school.example", school.certificate, school.key))
    path = tmp_path / "melding.eml"
    path.write_bytes(mail.data)
    return path


def _decrypt(pki: ChannelPki, path: Path, *extra: str, receiver: str = "leerplicht") -> tuple[int, str, str]:
    files = pki.demo.receivers[receiver]
    result = CliRunner().invoke(
        cli, ["mail", "decrypt", str(path), "--key", str(files.key), "--cert", str(files.cert), *extra],
    )
    return result.exit_code, result.stdout, result.stderr


def test_decrypt_prints_the_melding_and_a_valid_signature(pki: ChannelPki, mail_file: Path) -> None:
    """With the school's certificate the tool prints the Dutch melding and "Handtekening: geldig"."""
    code, out, _ = _decrypt(pki, mail_file, "--signer-cert", str(pki.demo.school_smime.cert))
    assert code == 0
    assert "16 uur ongeoorloofd verzuim in 4 lesweken" in out
    assert STUDENT_BSN in out
    assert "Handtekening: geldig (gecontroleerd tegen het opgegeven schoolcertificaat)" in out


def test_decrypt_without_signer_cert_says_the_signer_is_unchecked(pki: ChannelPki, mail_file: Path) -> None:
    """Without --signer-cert the embedded certificate is used, and the tool says so."""
    code, out, _ = _decrypt(pki, mail_file)
    assert code == 0
    assert "geef --signer-cert" in out


def test_decrypt_json_prints_the_structured_melding(pki: ChannelPki, mail_file: Path) -> None:
    """`--json` prints the attached JSON melding."""
    code, out, _ = _decrypt(pki, mail_file, "--json")
    assert code == 0
    data = json.loads(out.split("\n\nHandtekening")[0])
    assert data["signal"]["rule"] == "verzuim-16u"


def test_signature_by_another_certificate_fails(pki: ChannelPki, mail_file: Path) -> None:
    """Checked against a certificate that is not the signer's, the tool exits non-zero."""
    code, _, err = _decrypt(pki, mail_file, "--signer-cert", str(pki.demo.receivers["rmc"].cert))
    assert code == 1
    assert "ONGELDIG" in err


def test_tampered_mail_fails_verification(pki: ChannelPki, mail_file: Path, tmp_path: Path) -> None:
    """A melding changed after signing (re-encrypted by whoever changed it) fails with exit 1."""
    leerplicht = pki.demo.objects["leerplicht-smime"]
    inner = smime.decrypt(mail_file.read_bytes(), leerplicht.certificate, leerplicht.key)
    forged = smime.encrypt(inner.replace(b"16,50", b"26,50", 1), [leerplicht.certificate])
    path = tmp_path / "forged.eml"
    path.write_bytes(forged)
    code, _, err = _decrypt(pki, path, "--signer-cert", str(pki.demo.school_smime.cert))
    assert code == 1
    assert "gewijzigd na ondertekening" in err


def test_mail_for_someone_else_cannot_be_decrypted(pki: ChannelPki, mail_file: Path) -> None:
    """The RMC's key does not open a mail for Leerplicht: a clear error and exit 2."""
    code, _, err = _decrypt(pki, mail_file, receiver="rmc")
    assert code == 2
    assert "ontsleutelen mislukt" in err


def test_a_plain_signed_message_without_encryption_is_refused(pki: ChannelPki, tmp_path: Path) -> None:
    """A file that is not an encrypted S/MIME mail gives exit 2, not a traceback."""
    path = tmp_path / "plain.eml"
    path.write_bytes(b"Subject: hallo\r\n\r\ngeen versleuteling\r\n")
    code, _, err = _decrypt(pki, path)
    assert code == 2
    assert "Fout" in err


def test_sandbox_smtp_command_is_registered() -> None:
    """`verzuim-gateway sandbox smtp --help` is available through the entry point."""
    result = CliRunner().invoke(cli, ["sandbox", "smtp", "--help"])
    assert result.exit_code == 0
    assert "STARTTLS" in result.stdout
