"""The one error type that carries a user-facing message to the CLI boundary."""

from __future__ import annotations


class BootstrapError(Exception):
    """A problem the user can fix: `message` says what is wrong, `hint` what to do (exit 1)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
