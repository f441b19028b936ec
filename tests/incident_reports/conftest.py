"""The test suite's real SMTP server on loopback (see tests/breaches/test_warnings.py)."""

from tests.breaches.test_warnings import mailbox, smtp_server  # noqa: F401 (fixtures used by these tests)
