"""Age gating: whether a story may show its text, summary or quotes in a place.

A server chooses the lowest rating that opens only in age-restricted channels and DMs
("Mature" by default) or "off". Not Rated stories are gated like Mature, as AO3 puts them
behind the same adult-content warning, unless the server opens them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.text.formatting import inline
from bot.text.ratings import EXPLICIT, LEVELS, MATURE, NOT_RATED


class AgeThreshold(enum.StrEnum):
    """The lowest rating a server gates, or OFF."""

    TEEN = "Teen And Up Audiences"
    MATURE = "Mature"
    EXPLICIT = "Explicit"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Gate:
    """A server's age-gating rules."""

    threshold: str = AgeThreshold.MATURE
    not_rated_open: bool = False

    def describe(self) -> str:
        """What the gate holds back: `stories rated Mature or above and Not Rated stories`."""
        if self.threshold == AgeThreshold.OFF:
            return "no stories"
        rated = f"stories rated {self.threshold}"
        if self.threshold != EXPLICIT:
            rated += " or above"
        if is_gated(NOT_RATED, self):
            rated += " and Not Rated stories"
        return rated


@dataclass(frozen=True, slots=True)
class Place:
    """Where something would be shown: a DM, an age-restricted channel, or neither."""

    guild_id: int | None
    age_restricted: bool = False

    @property
    def dm(self) -> bool:
        return self.guild_id is None


def is_gated(rating: str, gate: Gate) -> bool:
    """Whether a story of `rating` needs an age-restricted channel under `gate`."""
    if gate.threshold == AgeThreshold.OFF:
        return False
    if rating == NOT_RATED:
        if gate.not_rated_open:
            return False
        rating = MATURE
    return LEVELS.get(rating, LEVELS[EXPLICIT]) >= LEVELS.get(gate.threshold, LEVELS[MATURE])


def may_show(rating: str, gate: Gate, *, age_restricted: bool, dm: bool) -> bool:
    """Whether a story's text, summary or quotes may appear in this place.

    Gated stories appear only in DMs with the bot and in channels marked age-restricted;
    an ephemeral reply in an ordinary channel is still in that channel.
    """
    return dm or age_restricted or not is_gated(rating, gate)


def shown_in(place: Place, gate: Gate, rating: str) -> bool:
    """`may_show` for a `Place`."""
    return may_show(rating, gate, age_restricted=place.age_restricted, dm=place.dm)


def refusal(title: str, rating: str, gate: Gate) -> str:
    """Why a story does not open here: `**Title** is rated Mature. Stories rated…`."""
    rated = "is Not Rated" if rating == NOT_RATED else f"is rated {rating}"
    held = gate.describe()
    return (f"**{inline(title, 200)}** {rated}. {held[:1].upper()}{held[1:]} open only in "
            "age-restricted channels or in a DM with me.")
