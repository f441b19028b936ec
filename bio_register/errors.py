"""Domain errors raised by services and turned into messages by views and the API."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. ``field`` names the input at fault, when there is one."""

    status_code = 422

    def __init__(self, message: str, field: str | None = None,
                 errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: dict[str, list[str]] = errors or ({field: [message]} if field else {})


class ValidationFailed(DomainError):
    """Input breaks a rule: 422, nothing saved."""

    @classmethod
    def collect(cls, errors: dict[str, list[str]]) -> ValidationFailed:
        first_field = next(iter(errors))
        return cls(errors[first_field][0], field=first_field, errors=errors)


class Conflict(DomainError):
    """Someone else changed the object in between (optimistic locking): 409."""

    status_code = 409


class NotPermitted(DomainError):
    """The user may see the object but not do this to it: 403."""

    status_code = 403


class NotFound(DomainError):
    """No such object, or one outside the caller's scope (the two look the same): 404."""

    status_code = 404

    def __init__(self, message: str = "Niet gevonden.", field: str | None = None,
                 errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, field, errors)
