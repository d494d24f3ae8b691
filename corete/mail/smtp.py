"""Talking to the SMTP server: the only module that imports smtplib.

Flask-Mail's configuration keys (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, MAIL_USE_SSL,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_DEFAULT_SENDER); one connection serves a whole batch.
"""
from __future__ import annotations

import smtplib
import ssl

# Codes after which the address itself is refused for good (RFC 5321: mailbox
# unavailable, user not local, mailbox name not allowed; 501: the address' syntax).
ADDRESS_REFUSED = {501, 550, 551, 553}


class SendError(Exception):
    """``permanent``: this message will never go (retrying cannot help); ``address``:
    because the recipient's address is refused; ``connection``: the server itself is
    unreachable or refused us, so the rest of the batch waits too."""

    def __init__(self, message: str, *, permanent=False, address=False, connection=False):
        super().__init__(message)
        self.permanent, self.address, self.connection = permanent, address, connection


def _code_error(code: int, text, *, what: str) -> SendError:
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    permanent = 500 <= code < 600
    return SendError(f"{what}: {code} {reply}".strip(), permanent=permanent,
                     address=permanent and code in ADDRESS_REFUSED and what == "recipient refused")


class Connection:
    """``with Connection(config) as c: c.send(sender, to, message)``; connects on first send."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        host, port, timeout = c["MAIL_SERVER"], int(c["MAIL_PORT"]), float(c["MAIL_TIMEOUT"])
        try:
            if c["MAIL_USE_SSL"]:
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                if c["MAIL_USE_TLS"]:
                    smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
        except smtplib.SMTPAuthenticationError as e:
            raise SendError(f"the SMTP server refused MAIL_USERNAME/MAIL_PASSWORD: {e.smtp_code}",
                            connection=True) from None
        except (OSError, smtplib.SMTPException) as e:
            raise SendError(f"cannot reach the SMTP server {host}:{port}: {e}", connection=True) from None
        return smtp

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            raise _code_error(code, text, what="recipient refused") from None
        except smtplib.SMTPSenderRefused as e:
            raise SendError(f"sender {sender} refused: {e.smtp_code} {e.smtp_error!r}", connection=True) from None
        except smtplib.SMTPDataError as e:
            raise _code_error(e.smtp_code, e.smtp_error, what="message refused") from None
        except (OSError, smtplib.SMTPException) as e:
            self.close()
            raise SendError(f"the connection to the SMTP server failed: {e}", connection=True) from None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
