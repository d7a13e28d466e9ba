"""Notifications by mail, when the bureau configures SMTP (PROCURE_SMTP_URL).

The in-app notification is the record; mail is a copy sent by the worker's ``mail`` job. Each
message goes once (``notification.emailed_at``), in both languages (Chinese first: the bureau's
language; a login has no language of its own), with the absolute link when the public address
is known. Who has no address is not mailed; a company login without one is mailed at its
company's contact address.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from procure.accounts.models import Notification, User
from procure.kernel.clock import Clock
from procure.kernel.hooks import Port
from procure.kernel.i18n import gettext
from procure.kernel.settings import Settings

log = logging.getLogger("procure.mail")

#: Older unsent notices are not mailed: a server configured today does not flood people with a
#: year of history.
MAIL_WINDOW = timedelta(days=2)
#: At most this many mails per run of the job (the rest go at the next run, a minute later).
BATCH = 200


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    user: str | None
    password: str | None
    tls: bool        # smtps:// (TLS from the first byte)
    starttls: bool   # smtp://…?starttls=1

    @classmethod
    def parse(cls, url: str) -> "Smtp":
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        return cls(parts.hostname or "127.0.0.1", parts.port or (465 if tls else 25),
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None,
                   tls, query.get("starttls", ["0"])[0] in ("1", "true", "yes"))


#: A company's contact address (contractors provides it: a later domain).
company_address: Port[[Session, int], str] = Port("accounts.company_address")


def _address(session: Session, user: User) -> str:
    if user.email:
        return user.email
    if user.contractor_id is not None:
        return company_address(session, user.contractor_id)
    return ""


def compose(notice: Notification, to: str, name: str, settings: Settings) -> EmailMessage:
    chinese = gettext("zh_CN", notice.message, **notice.params)
    english = gettext("en", notice.message, **notice.params)
    link = (settings.public_base_url.rstrip("/") + notice.link) if settings.public_base_url and notice.link else notice.link
    message = EmailMessage()
    message["Subject"] = f"[{gettext('zh_CN', 'Procure')}] {chinese}"[:200]
    message["From"] = formataddr((gettext("zh_CN", "Procure"), settings.mail_from))
    message["To"] = formataddr((name, to))
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rsplit("@", 1)[-1])
    body = f"{chinese}\n\n{english}\n"
    if link:
        body += f"\n{link}\n"
    message.set_content(body)
    return message


def send_pending(session: Session, clock: Clock, settings: Settings) -> int:
    """Mail the notices not yet mailed (newest two days, a batch at a time); returns how many
    were sent. A notice whose reader has no address is marked too, so it is not looked at again."""
    if not settings.smtp_url:
        return 0
    now = clock()
    pending = list(session.scalars(select(Notification).where(Notification.emailed_at.is_(None),
                                                              Notification.created_at >= now - MAIL_WINDOW)
                                   .order_by(Notification.id).limit(BATCH)))
    if not pending:
        return 0
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({n.user_id for n in pending})))}
    server = Smtp.parse(settings.smtp_url)
    sent = 0
    connection: smtplib.SMTP | None = None
    try:
        for notice in pending:
            user = users.get(notice.user_id)
            to = _address(session, user) if user is not None and user.active else ""
            if to:
                if connection is None:
                    connection = _connect(server)
                connection.send_message(compose(notice, to, user.display_name if user else "", settings))
                sent += 1
            notice.emailed_at = now
            session.commit()  # each mail marked as it goes: a failure later sends none twice
    finally:
        if connection is not None:
            try:
                connection.quit()
            except smtplib.SMTPException:
                connection.close()
    return sent


def _connect(server: Smtp) -> smtplib.SMTP:
    if server.tls:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=20,
                                                    context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=20)
        if server.starttls:
            connection.starttls(context=ssl.create_default_context())
    if server.user:
        connection.login(server.user, server.password or "")
    return connection
