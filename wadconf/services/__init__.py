"""The rules. Services flush but never commit; they raise :class:`DomainError` to say no."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused an action. ``code`` is stable; ``message`` is translated for people."""

    def __init__(self, code: str, message: str | None = None, **params: object) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.params = params

    def __str__(self) -> str:
        return str(self.message)
