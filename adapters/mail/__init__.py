"""The mail channel: S/MIME signed and encrypted meldingen over SMTP with STARTTLS.

``create_channel`` is registered as entry point ``verzuim_gateway.channels:mail``; the stand-in
SMTP server is ``adapters.mail.sandbox`` and the receiving side's tool is ``adapters.mail.cli``.
"""

from adapters.mail.channel import MailChannel, MailConfig, create_channel

__all__ = ["MailChannel", "MailConfig", "create_channel"]
