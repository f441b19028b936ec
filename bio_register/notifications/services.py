"""E-mail and in-app notices. E-mail is queued in the transaction (the outbox) and sent only
after the commit succeeded; a failed send stays in the outbox and is retried, never lost.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import smtplib
from collections.abc import Iterable, Iterator, Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import g, has_app_context
from sqlalchemy import func, select

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


def queue_email(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Write an e-mail to the outbox in the current transaction (never sends)."""
    message = OutboxMessage(recipient=recipient, subject=subject[:300], body=body)
    db.session.add(message)
    db.session.flush()
    if has_app_context():
        g.setdefault("outbox_ids", []).append(message.id)
    return message


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


def _send(config: Mapping[str, Any], message: OutboxMessage) -> None:
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


def deliver(config: Mapping[str, Any], ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Send outbox messages (the given ids, or every unsent one); commit per message.

    Called only after the transaction that queued them committed. Returns (sent, failed).
    """
    stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None),
                                       OutboxMessage.attempts < MAX_ATTEMPTS).order_by(OutboxMessage.id)
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0, 0
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    sent = failed = 0
    for message in db.session.scalars(stmt).all():
        message.attempts += 1
        try:
            _send(config, message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            failed += 1
            log.warning("e-mail %s to %s not sent (attempt %d): %s", message.id, message.recipient,
                        message.attempts, exc)
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed


def deliver_after_request(config: Mapping[str, Any]) -> None:
    """The request committed: send what it queued. A failure is logged and left for retry."""
    ids = g.pop("outbox_ids", None)
    if ids:
        try:
            deliver(config, ids)
        except Exception:  # never turn a saved change into an error page because of e-mail
            db.session.rollback()
            log.exception("sending queued e-mail failed; it stays in the outbox for retry")
