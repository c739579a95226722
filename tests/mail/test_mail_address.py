"""One form of a mail address for configuration, the recipient directory and the mail channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.mail.channel import MailConfig
from gateway.domain.mail_address import is_mail_address


@pytest.mark.parametrize("value", ["verzuim@school.nl", "a.b+c@mail.gemeente.example"])
def test_an_address_with_a_dotted_domain_is_a_mail_address(value: str) -> None:
    assert is_mail_address(value)


@pytest.mark.parametrize("value", [
    "verzuim@school", "verzuim school@x.nl", "@school.nl", "a@b@c.nl", "a@.nl",
])
def test_an_address_smtp_would_refuse_is_not_one(value: str) -> None:
    assert not is_mail_address(value)


def test_the_mail_channel_refuses_a_sender_without_a_dotted_domain() -> None:
    with pytest.raises(ValidationError, match="sender"):
        MailConfig(sender="verzuim@localhost", duo_oin="00000001234567890000",
                   signing_cert=Path("c.pem"), signing_key=Path("k.pem"))
