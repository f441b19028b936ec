"""E-mail and in-app notices. E-mail is queued in the transaction (the outbox) and sent only
after the commit succeeded; a failed send stays in the outbox and is retried, never lost.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import logging
import smtplib
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import func, or_, select

from bio_register import unit_of_work
from bio_register.accounts.models import User
from bio_register.config import mail_transport
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.notifications.models import EMAIL, Notice, OutboxMessage
from bio_register.paging import Page

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("notifications_suppressed", default=False)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """No e-mail or notices inside (demo data: a year of back-dated datalekken must not mail the FG)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


#: what a sent message holding a one-time link keeps of its body
SCRUBBED_BODY = "[verwijderd na verzending: het bericht bevatte een eenmalige link]"


def queue_email(recipient: str, subject: str, body: str, *, scrub_after_send: bool = False,
                send_at_commit: bool = True) -> OutboxMessage:
    """Write an e-mail to the outbox in the current transaction (never sends).

    ``scrub_after_send``: the body holds a one-time link; it is blanked once the message is sent.
    ``send_at_commit=False``: the boundary that commits does not send it; the caller sends it later
    (after the response, so its time does not tell anything) or the scheduler's outbox run does.
    """
    message = OutboxMessage(recipient=recipient, subject=subject[:300], body=body,
                            scrub_after_send=scrub_after_send)
    db.session.add(message)
    db.session.flush()
    if not send_at_commit:
        return message
    # Once the transaction commits, the boundary that committed it sends the message.
    unit_of_work.after_commit(db.session, functools.partial(_committed, db.session, message.id))
    return message


_COMMITTED = "outbox_committed"


def _committed(session: unit_of_work.AnySession, message_id: int) -> None:
    session.info.setdefault(_COMMITTED, []).append(message_id)


def take_committed(session: unit_of_work.AnySession) -> list[int]:
    """The ids of the messages queued by transactions that have committed since the last call
    (the boundary sends them right after its commit)."""
    ids: list[int] = session.info.pop(_COMMITTED, [])
    return ids


def notify_users(users: Iterable[User], subject: str, body: str, link: str | None = None) -> int:
    """An e-mail and an in-app notice for each (active) user; returns how many."""
    if _suppressed.get():
        return 0
    count = 0
    for user in users:
        if not user.active:
            continue
        queue_email(user.email, subject, body)
        db.session.add(Notice(user_id=user.id, text=subject[:500], link=link))
        count += 1
    db.session.flush()
    return count


def unread_notices(user: User, limit: int = 20) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
        .order_by(Notice.created_at.desc()).limit(limit)
    ))


def recent_notices(user: User, limit: int = 50) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.user_id == user.id).order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)))


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def mark_read(user: User, notice_ids: Iterable[int] | None = None) -> None:
    stmt = select(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    if notice_ids is not None:
        stmt = stmt.where(Notice.id.in_(list(notice_ids)))
    now = utcnow()
    for notice in db.session.scalars(stmt):
        notice.read_at = now


class MailNotConfigured(OSError):
    """No way to send e-mail is configured (see ``config.mail_transport``): the message waits."""


def send(config: Mapping[str, Any], message: OutboxMessage) -> None:
    """Send one outbox message by the configured transport (:func:`bio_register.config.mail_transport`):
    SMTP, the console (development server), or nowhere (``BIO_REGISTER_MAIL=off``). Raises OSError
    or SMTPException when it cannot; the message then stays in the outbox."""
    transport = mail_transport(config)
    if transport == "smtp":
        _send_smtp(config, message)
    elif transport == "console":
        _print_to_console(config, message)
    elif transport == "off":
        log.debug("e-mail %s not sent: e-mail is switched off (BIO_REGISTER_MAIL=off)", message.id)
    else:
        raise MailNotConfigured("no e-mail server configured (BIO_REGISTER_SMTP_HOST)")


def _email(config: Mapping[str, Any], message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].partition("@")[2] or "localhost")
    email.set_content(message.body)
    return email


def _send_smtp(config: Mapping[str, Any], message: OutboxMessage) -> None:
    email = _email(config, message)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


#: the marks around an e-mail printed by the console transport (development server only)
CONSOLE_BEGIN = "=" * 24 + " E-MAIL (ontwikkeling: niet verzonden, alleen hier getoond) " + "=" * 24
CONSOLE_END = "=" * 24 + " einde e-mail " + "=" * 24
_console_lock = threading.Lock()


def _print_to_console(config: Mapping[str, Any], message: OutboxMessage) -> None:
    """The development server's transport: the whole message on standard output, clearly marked
    (never used in production: ``config.require_mail``)."""
    text = "\n".join([
        "", CONSOLE_BEGIN,
        f"Van:       {config['MAIL_FROM']}",
        f"Aan:       {message.recipient}",
        f"Onderwerp: {message.subject}",
        f"Bericht:   {message.id} (zie Verzonden e-mail (ontwikkeling))",
        "", message.body.rstrip("\n"), CONSOLE_END, "",
    ])
    with _console_lock:  # one message at a time from the server's threads
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def outbox_page(page: int = 1, per_page: int = 25) -> Page[OutboxMessage]:
    """One page of the e-mail outbox, newest first (the development server's *Verzonden e-mail* page)."""
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == EMAIL)) or 0
    items = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == EMAIL)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    return Page(items, page, per_page, total)


def unsent(ids: Iterable[int] | None = None, *, kind: str | None = None,
           now: dt.datetime | None = None) -> list[OutboxMessage]:
    """Outbox messages due to be sent (the given ids, or every unsent one; of one ``kind``, or of
    every kind), oldest first. One waiting out its back-off (``next_attempt_at``) is not due yet."""
    now = now or utcnow()
    stmt = select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    ).order_by(OutboxMessage.id)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(list(ids)))
    return list(db.session.scalars(stmt))


def is_suppressed() -> bool:
    """True inside :func:`suppressed` (demo data): nothing is to be told to anyone, webhooks included."""
    return _suppressed.get()


def _loggable(error: Exception) -> str:
    """What the log may say about a failed send: an SMTP server's answer can quote the recipient's
    address or the subject (personal data), so of those only the kind and the reply code (the
    whole answer is kept in ``last_error``)."""
    if isinstance(error, smtplib.SMTPException):
        code = getattr(error, "smtp_code", None)
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code = ",".join(sorted({str(reply[0]) for reply in error.recipients.values()}))
        return f"{type(error).__name__}" + (f" {code}" if code else "")
    return f"{type(error).__name__}: {error}"


def attempt(config: Mapping[str, Any], message: OutboxMessage) -> bool:
    """Try to send one message and record the outcome on it (the caller commits). True if sent."""
    message.attempts += 1
    try:
        send(config, message)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        log.warning("e-mail %s not sent (attempt %d): %s", message.id, message.attempts, _loggable(exc))
        return False
    message.sent_at = utcnow()
    message.last_error = None
    if message.scrub_after_send:
        message.body = SCRUBBED_BODY
    return True
