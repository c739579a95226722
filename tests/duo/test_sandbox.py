"""``verzuim-gateway sandbox duo`` accepts only the gateways it is told about."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from adapters.duo.sandbox import allowed_gateways, duo_oin
from gateway.testing.pki import DemoPki

from .conftest import OTHER_GATEWAY_OIN


def test_gateway_of_the_pki_is_allowed_by_default(pki: DemoPki) -> None:
    """Without --gateway-oin the stand-in allows the OIN of the PKI's gateway certificate."""
    assert allowed_gateways(pki.directory, ()) == frozenset({pki.gateway_oin})


def test_given_gateway_oins_replace_the_default(pki: DemoPki) -> None:
    """--gateway-oin (repeatable) names exactly the gateways that may connect."""
    given = (OTHER_GATEWAY_OIN, pki.gateway_oin)
    assert allowed_gateways(pki.directory, given) == frozenset(given)


def test_malformed_gateway_oin_is_refused(pki: DemoPki) -> None:
    """A --gateway-oin that is no OIN is a usage error, not a stand-in that allows nobody."""
    with pytest.raises(click.BadParameter):
        allowed_gateways(pki.directory, ("geen-oin",))


def test_without_gateway_certificate_an_oin_must_be_given(tmp_path: Path) -> None:
    """A PKI folder without gateway certificate and no --gateway-oin is a usage error."""
    with pytest.raises(click.UsageError):
        allowed_gateways(tmp_path, ())


def test_duo_oin_comes_from_the_pki_server_certificate(pki: DemoPki) -> None:
    """Without --duo-oin the stand-in is the DUO its server certificate names (it signs with it)."""
    assert duo_oin(pki.directory, None) == pki.duo_oin


def test_a_given_duo_oin_wins(pki: DemoPki) -> None:
    """--duo-oin names DUO's OIN outright."""
    assert duo_oin(pki.directory, OTHER_GATEWAY_OIN) == OTHER_GATEWAY_OIN


def test_a_duo_oin_that_is_no_oin_is_refused(pki: DemoPki) -> None:
    """A malformed --duo-oin is a usage error."""
    with pytest.raises(click.BadParameter):
        duo_oin(pki.directory, "geen-oin")


def test_without_server_certificate_a_duo_oin_must_be_given(tmp_path: Path) -> None:
    """A PKI folder without duo-server.crt and no --duo-oin is a usage error."""
    with pytest.raises(click.UsageError):
        duo_oin(tmp_path, None)
