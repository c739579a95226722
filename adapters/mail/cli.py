"""``verzuim-gateway mail``: tools for the receiving side of melding mails."""

from __future__ import annotations

import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.mail import smime

EXIT_BAD_SIGNATURE = 1
EXIT_UNREADABLE = 2
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _load_cert(path: Path, what: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError as exc:
        raise click.ClickException(f"{what} {path} is geen PEM-certificaat") from exc


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise click.ClickException(
            f"sleutel {path} is niet te lezen (PEM zonder wachtwoord verwacht)"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise click.ClickException(f"sleutel {path} is geen RSA-sleutel")
    return key


def _parts(content: bytes) -> tuple[str, dict[str, Any] | None]:
    message = BytesParser(EmailMessage, policy=policy.default).parsebytes(content)
    text = ""
    data: dict[str, Any] | None = None
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() == "text/plain" and not text:
            text = str(part.get_content())
        elif part.get_content_type() == "application/json" and data is None:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                try:
                    data = json.loads(payload)
                except ValueError:
                    data = None
    return text, data


def _subject_of(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


@click.group(name="mail")
def mail() -> None:
    """Beveiligde verzuimmeldingen per mail (ontvangende kant)."""


@mail.command(name="decrypt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_path", required=True, type=_FILE, help="Privésleutel van de ontvanger (PEM).")
@click.option("--cert", "cert_path", required=True, type=_FILE, help="Certificaat van de ontvanger (PEM).")
@click.option("--signer-cert", "signer_path", type=_FILE,
              help="Gepubliceerd certificaat van de school; de handtekening moet daarbij horen.")
@click.option("--json", "as_json", is_flag=True,
              help="Druk de gestructureerde melding (JSON) af in plaats van de tekst.")
def decrypt(file: Path, key_path: Path, cert_path: Path, signer_path: Path | None, as_json: bool) -> None:
    """Ontsleutel een meldingmail, toon de melding en controleer de handtekening."""
    cert = _load_cert(cert_path, "certificaat")
    key = _load_key(key_path)
    trusted = _load_cert(signer_path, "schoolcertificaat") if signer_path else None
    try:
        inner = smime.decrypt(file.read_bytes(), cert, key)
        verdict = smime.verify(inner, trusted)
    except smime.SmimeError as exc:
        click.echo(f"Fout: {exc}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from exc
    text, data = _parts(verdict.content)
    if as_json and data is not None:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(text.rstrip("\n"))
    click.echo("")
    signer = _subject_of(verdict.signer) if verdict.signer else "onbekend"
    if verdict.valid:
        checked = "gecontroleerd tegen het opgegeven schoolcertificaat" if trusted else (
            "met het meegestuurde certificaat; geef --signer-cert om de afzender vast te stellen"
        )
        click.echo(f"Handtekening: geldig ({checked}). Ondertekenaar: {signer}")
        return
    click.echo(f"Handtekening: ONGELDIG: {verdict.reason}. Vertrouw deze melding niet.", err=True)
    raise SystemExit(EXIT_BAD_SIGNATURE)
