"""A delivered melding mail opens with standard tools: openssl smime / cms decrypt and verify."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.mail import MailChannel, smime
from adapters.mail.compose import MailContent, Signer, compose
from adapters.mail.sandbox import SandboxSmtp
from gateway.domain.ports import OutgoingMelding
from tests.channel_settings import ChannelPki
from tests.mail.helpers import STUDENT_BSN, make_melding, openssl, recipient


@pytest.fixture
def delivered(channel: MailChannel, sandbox: SandboxSmtp, melding: OutgoingMelding, tmp_path: Path) -> Path:
    """The melding as it arrived in the sandbox's maildir, saved as an .eml file."""
    channel.deliver(melding)
    [raw] = sandbox.messages()
    path = tmp_path / "melding.eml"
    path.write_bytes(raw)
    return path


def _decrypt_with_openssl(pki: ChannelPki, mail: Path, out: Path, tool: str = "smime") -> bytes:
    files = pki.demo.receivers["leerplicht"]
    result = openssl(tool, "-decrypt", "-in", mail, "-recip", files.cert, "-inkey", files.key, "-out", out)
    assert result.returncode == 0, result.stderr.decode()
    return out.read_bytes()


def test_mail_decrypts_with_openssl_smime(pki: ChannelPki, delivered: Path, tmp_path: Path) -> None:
    """`openssl smime -decrypt` opens the delivered mail to the signed melding."""
    inner = _decrypt_with_openssl(pki, delivered, tmp_path / "signed.eml")
    assert b"multipart/signed" in inner
    assert STUDENT_BSN.encode() in inner


def test_mail_decrypts_with_openssl_cms(pki: ChannelPki, delivered: Path, tmp_path: Path) -> None:
    """`openssl cms -decrypt` opens it as well."""
    inner = _decrypt_with_openssl(pki, delivered, tmp_path / "signed.eml", tool="cms")
    assert b"pkcs7-signature" in inner


def test_content_is_encrypted_with_aes_256_cbc(delivered: Path) -> None:
    """The envelope uses AES-256-CBC as content cipher."""
    result = openssl("cms", "-cmsout", "-print", "-in", delivered)
    assert result.returncode == 0, result.stderr.decode()
    assert b"aes-256-cbc" in result.stdout


def test_personal_data_is_not_readable_in_transit(delivered: Path) -> None:
    """Neither name nor BSN appears in the mail as it travels (headers included)."""
    raw = delivered.read_bytes()
    assert STUDENT_BSN.encode() not in raw
    assert b"Jansen" not in raw


def test_signature_verifies_with_openssl_against_school_cert(pki: ChannelPki, delivered: Path,
                                                              tmp_path: Path) -> None:
    """`openssl smime -verify` accepts the signature, with the school's certificate as the signer."""
    signed = tmp_path / "signed.eml"
    _decrypt_with_openssl(pki, delivered, signed)
    result = openssl("smime", "-verify", "-in", signed, "-CAfile", pki.demo.ca_cert,
                     "-certfile", pki.demo.school_smime.cert, "-nointern", "-out", tmp_path / "content.eml")
    assert result.returncode == 0, result.stderr.decode()
    assert b"Verification successful" in result.stderr
    assert b"melding.json" in (tmp_path / "content.eml").read_bytes()


def test_tampered_mail_fails_openssl_verification(pki: ChannelPki, delivered: Path, tmp_path: Path) -> None:
    """Changing one character of the signed melding makes `openssl smime -verify` fail."""
    signed = tmp_path / "signed.eml"
    inner = _decrypt_with_openssl(pki, delivered, signed)
    signed.write_bytes(inner.replace(b"16,50", b"06,50", 1))
    result = openssl("smime", "-verify", "-in", signed, "-CAfile", pki.demo.ca_cert,
                     "-certfile", pki.demo.school_smime.cert, "-nointern")
    assert result.returncode != 0
    assert b"Verification successful" not in result.stderr


def test_signature_of_another_key_fails_openssl_verification(pki: ChannelPki, delivered: Path,
                                                             tmp_path: Path) -> None:
    """Verified against another certificate than the school's, the signature is refused."""
    signed = tmp_path / "signed.eml"
    _decrypt_with_openssl(pki, delivered, signed)
    result = openssl("smime", "-verify", "-in", signed, "-CAfile", pki.demo.ca_cert,
                     "-certfile", pki.demo.receivers["rmc"].cert, "-nointern")
    assert result.returncode != 0


def _tamper_body(mail: Path, out: Path) -> Path:
    """Flip one base64 character in the middle of the encrypted content."""
    head, _, body = mail.read_bytes().partition(b"\r\n\r\n")
    lines = body.split(b"\r\n")
    middle = len(lines) // 2
    line = lines[middle]
    lines[middle] = line[:10] + (b"A" if line[10:11] != b"A" else b"B") + line[11:]
    out.write_bytes(head + b"\r\n\r\n" + b"\r\n".join(lines))
    return out


def test_tampered_ciphertext_is_refused_by_openssl(pki: ChannelPki, delivered: Path, tmp_path: Path) -> None:
    """A mail altered on the way fails to decrypt, or decrypts to content whose signature fails."""
    tampered = _tamper_body(delivered, tmp_path / "tampered.eml")
    files = pki.demo.receivers["leerplicht"]
    signed = tmp_path / "signed.eml"
    decrypted = openssl("smime", "-decrypt", "-in", tampered, "-recip", files.cert, "-inkey", files.key,
                        "-out", signed)
    if decrypted.returncode == 0:
        verified = openssl("smime", "-verify", "-in", signed, "-CAfile", pki.demo.ca_cert,
                           "-certfile", pki.demo.school_smime.cert, "-nointern")
        assert verified.returncode != 0


def test_tampered_ciphertext_is_refused_by_the_library(pki: ChannelPki, delivered: Path,
                                                       tmp_path: Path) -> None:
    """The library agrees: decrypting fails, or the signature check says the content changed."""
    tampered = _tamper_body(delivered, tmp_path / "tampered.eml")
    leerplicht = pki.demo.objects["leerplicht-smime"]
    school = pki.demo.objects["school-smime"]
    try:
        inner = smime.decrypt(tampered.read_bytes(), leerplicht.certificate, leerplicht.key)
        verdict = smime.verify(inner, school.certificate)
    except smime.SmimeError:
        return
    assert not verdict.valid


def test_every_recipient_can_decrypt(pki: ChannelPki, tmp_path: Path) -> None:
    """A mail to Leerplicht and DSP opens with either desk's key, and with the school's (archive)."""
    receivers = pki.demo.receivers
    melding = make_melding((
        recipient("Leerplicht", "leerplicht@gemeente.example", receivers["leerplicht"].cert),
        recipient("Doorstroompunt", "dsp@regio.example", receivers["dsp"].cert),
    ))
    school = pki.demo.objects["school-smime"]
    signer = Signer("verzuim@school.example", school.certificate, school.key)
    mail = compose(MailContent(melding, pki.demo.duo_oin, datetime.now(UTC)), signer,
                   extra_certificates=[school.certificate])
    path = tmp_path / "mail.eml"
    path.write_bytes(mail.data)
    for files in (receivers["leerplicht"], receivers["dsp"], pki.demo.school_smime):
        result = openssl("cms", "-decrypt", "-in", path, "-recip", files.cert, "-inkey", files.key)
        assert result.returncode == 0, result.stderr.decode()
    outsider = receivers["rmc"]
    result = openssl("cms", "-decrypt", "-in", path, "-recip", outsider.cert, "-inkey", outsider.key)
    assert result.returncode != 0
