"""Deletions waiting for their confirm button, each behind a one-time code.

The codes live only in this process, so after a restart an old confirm button finds
nothing and expires politely instead of deleting anything.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass

CONFIRM_SECONDS = 300


class ConfirmationKind(enum.StrEnum):
    """What a confirm button deletes."""

    RESET = "reset"  # a member's place and bookmarks in one story
    FORGET = "forget"  # everything stored about a member
    REMOVE_STORY = "remove"  # a story a server added


@dataclass(frozen=True, slots=True)
class Pending:
    """A deletion waiting for its confirm button."""

    kind: ConfirmationKind
    user_id: int
    story_id: str | None
    expires: float


class Confirmations:
    """The pending deletions, by code; expired ones are dropped as new ones are asked."""

    def __init__(self, seconds: float = CONFIRM_SECONDS) -> None:
        self._seconds = seconds
        self._pending: dict[str, Pending] = {}

    def ask(self, kind: ConfirmationKind, user_id: int, story_id: str | None, *,
            now: float) -> str:
        """Hold a deletion until `now` plus the waiting time; the code its buttons carry."""
        for code in [c for c, p in self._pending.items() if p.expires < now]:
            del self._pending[code]
        code = secrets.token_hex(8)
        self._pending[code] = Pending(kind, user_id, story_id, now + self._seconds)
        return code

    def find(self, code: str, *, now: float) -> Pending | None:
        """The deletion behind a code; None when it expired or this process never asked."""
        pending = self._pending.get(code)
        if pending is None or pending.expires < now:
            self._pending.pop(code, None)
            return None
        return pending

    def settle(self, code: str) -> None:
        """The question was answered: its code is spent."""
        self._pending.pop(code, None)

    def __len__(self) -> int:
        return len(self._pending)
