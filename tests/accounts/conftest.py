"""The loopback SMTP server for the tests that follow an e-mail."""

from tests.mailserver import mailbox, smtp_server  # noqa: F401 (fixtures)
