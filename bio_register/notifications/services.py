"""E-mail and in-app notices. E-mail is queued in the transaction (the outbox) and sent only
after the commit succeeded; a failed send stays in the outbox and is retried, never lost.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import smtplib
from collections.abc import Iterable, Iterator, Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import func, select

from bio_register import unit_of_work
from bio_register.accounts.models import User
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.notifications.models import Notice, OutboxMessage

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


def send(config: Mapping[str, Any], message: OutboxMessage) -> None:
    """Send one outbox message over SMTP (raises OSError or SMTPException when it cannot)."""
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].partition("@")[2] or "localhost")
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


def unsent(ids: Iterable[int] | None = None) -> list[OutboxMessage]:
    """Outbox messages still to send (the given ids, or every unsent one), oldest first."""
    stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None),
                                       OutboxMessage.attempts < MAX_ATTEMPTS).order_by(OutboxMessage.id)
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(list(ids)))
    return list(db.session.scalars(stmt))


def attempt(config: Mapping[str, Any], message: OutboxMessage) -> bool:
    """Try to send one message and record the outcome on it (the caller commits). True if sent."""
    message.attempts += 1
    try:
        send(config, message)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        log.warning("e-mail %s not sent (attempt %d): %s", message.id, message.attempts, exc)
        return False
    message.sent_at = utcnow()
    message.last_error = None
    if message.scrub_after_send:
        message.body = SCRUBBED_BODY
    return True
