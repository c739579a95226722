"""``verzuim-gateway sandbox duo`` accepts only the gateways it is told about."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from adapters.duo.sandbox import allowed_gateways
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
