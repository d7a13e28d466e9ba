"""Errors a user can cause, with messages they can act on.

Services raise these; routes never build error messages themselves. ``message`` is an English
msgid translated at render time (see ``procure.kernel.i18n``); ``params`` fill its ``{placeholders}``.
"""

from __future__ import annotations

from typing import Any


class ProcureError(Exception):
    status_code = 400

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return self.message.format(**self.params) if self.params else self.message


class InvalidInput(ProcureError):
    """Bad input; ``errors`` lists every problem at once (field or row/column, message)."""

    status_code = 400

    def __init__(self, message: str, /, errors: list[dict[str, Any]] | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.errors = errors or []


class NotFound(ProcureError):
    status_code = 404


class Conflict(ProcureError):
    status_code = 409

    def __init__(self, message: str, /, errors: list[dict[str, Any]] | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.errors = errors or []


class Forbidden(ProcureError):
    status_code = 403


class NotAuthenticated(ProcureError):
    status_code = 401


class TooManyAttempts(ProcureError):
    """429: wait ``seconds`` before trying again (sent as ``Retry-After``)."""

    status_code = 429


class PayloadTooLarge(ProcureError):
    status_code = 413


class DatabaseNotMigrated(RuntimeError):
    def __init__(self, current: str | None, head: str) -> None:
        self.current, self.head = current, head
        super().__init__(
            f"The database is at migration {current or '(none)'} but Procure needs {head}. "
            "Run: procure migrate"
        )
