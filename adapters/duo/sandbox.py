"""``verzuim-gateway sandbox duo``: run the Verzuimloket stand-in over mutual TLS."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import click
from cryptography import x509

from adapters.duo.standin import StandinConfig, VerzuimloketStandin, make_server
from gateway.domain.oin import OIN_FORM, certificate_oin, is_oin
from gateway.testing.pki import demo_pki

GATEWAY_CERT = "gateway-client.crt"
SERVER_CERT = "duo-server.crt"


def _oin_in(cert_path: Path, option: str) -> str:
    """The OIN a certificate file carries; a usage error naming ``option`` when it has none."""
    try:
        oin = certificate_oin(x509.load_pem_x509_certificate(cert_path.read_bytes()))
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"geen {option} opgegeven en {cert_path} is niet te lezen") from exc
    if not oin:
        raise click.UsageError(f"{cert_path} draagt geen OIN; geef {option} op")
    return oin


def allowed_gateways(pki_dir: Path, given: Sequence[str]) -> frozenset[str]:
    """The gateway OINs the stand-in accepts: those given, else the OIN in the PKI's gateway
    certificate. A certificate from the CA alone is never enough."""
    for value in given:
        if not is_oin(value):
            raise click.BadParameter(f"{value} is geen OIN ({OIN_FORM})",
                                     param_hint="--gateway-oin")
    if given:
        return frozenset(given)
    return frozenset({_oin_in(pki_dir / GATEWAY_CERT, "--gateway-oin")})


def duo_oin(pki_dir: Path, given: str | None) -> str:
    """DUO's OIN: the one given, else the OIN in the PKI's server certificate (the stand-in signs
    its answers with it, so the two must agree)."""
    if given is not None and not is_oin(given):
        raise click.BadParameter(f"{given} is geen OIN ({OIN_FORM})",
                                 param_hint="--duo-oin")
    return given or _oin_in(pki_dir / SERVER_CERT, "--duo-oin")


@click.command(name="duo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8443, show_default=True, type=int)
@click.option("--pki-dir", type=click.Path(path_type=Path), default=None,
              help="Map met ca.crt en duo-server.{crt,key}; ontbreken ze, dan wordt een "
                   "demo-PKI aangemaakt.")
@click.option("--duo-oin", "given_duo_oin", default=None,
              help=f"OIN van DUO (standaard: het OIN in {SERVER_CERT} van de PKI-map).")
@click.option("--gateway-oin", "gateway_oins", multiple=True,
              help="OIN van een gateway die mag verbinden (herhaalbaar; standaard: het OIN in "
                   f"{GATEWAY_CERT} van de PKI-map).")
@click.option("--save-dir", type=click.Path(path_type=Path), default=None,
              help="Schrijf elk ontvangen SOAP-verzoek als XML-bestand in deze map.")
@click.option("--status-step", default=60.0, show_default=True, type=float,
              help="Seconden per statusstap (Geregistreerd → In behandeling → Afgesloten).")
@click.option("--in-behandeling-after", type=float, default=None,
              help="Seconden na ontvangst tot In behandeling (samen met --afgesloten-after in plaats "
                   "van --status-step).")
@click.option("--afgesloten-after", type=float, default=None,
              help="Seconden na ontvangst tot Afgesloten (met reden- en toelichtingcode).")
def command(*, host: str, port: int, pki_dir: Path | None,  # noqa: PLR0913  click passes each option
            given_duo_oin: str | None, gateway_oins: tuple[str, ...], save_dir: Path | None,
            status_step: float, in_behandeling_after: float | None,
            afgesloten_after: float | None) -> None:
    """Lokale stand-in van het DUO Verzuimloket (HTTPS met clientcertificaat)."""
    directory = pki_dir or Path(".sandbox/pki")
    if not (directory / SERVER_CERT).exists():
        demo_pki(directory)
        click.echo(f"Demo-PKI aangemaakt in {directory}")
    config = StandinConfig(
        server_cert=directory / SERVER_CERT, server_key=directory / "duo-server.key",
        ca=directory / "ca.crt", duo_oin=duo_oin(directory, given_duo_oin),
        gateway_oins=allowed_gateways(directory, gateway_oins), save_dir=save_dir,
        status_step=timedelta(seconds=status_step) if status_step > 0 else None,
        in_behandeling_after=_seconds(in_behandeling_after),
        afgesloten_after=_seconds(afgesloten_after),
    )
    server, sock = make_server(VerzuimloketStandin(config), host, port)
    bound = sock.getsockname()
    click.echo(f"DUO-stand-in luistert op https://{bound[0]}:{bound[1]}/verzuimloket/v1 "
               f"(OIN DUO {config.duo_oin}; gateways {', '.join(sorted(config.gateway_oins))}); "
               f"Ctrl-C stopt.")
    server.run(sockets=[sock])


def _seconds(value: float | None) -> timedelta | None:
    """A number of seconds from the command line as a duration (None stays None)."""
    return None if value is None else timedelta(seconds=value)
