"""A server's settings in words, and what a `/settings` call changes."""

from __future__ import annotations

from bot.reading.gate import AgeThreshold
from bot.storage.progress import Paging
from bot.storage.settings import GuildSettings

PAGING_LABELS: dict[Paging, str] = {
    Paging.REACTIONS: "reactions",
    Paging.BUTTONS: "buttons",
    Paging.BOTH: "reactions and buttons",
}


def threshold_label(threshold: AgeThreshold) -> str:
    """How an age-gating threshold is offered as a choice."""
    return "off (no gating)" if threshold is AgeThreshold.OFF else threshold.value


def describe_settings(settings: GuildSettings) -> list[tuple[str, str]]:
    """(name, value) lines showing a server's settings."""
    gate = settings.gate
    held = ("off: every story opens everywhere" if gate.threshold == AgeThreshold.OFF else
            f"{gate.describe()[:1].upper()}{gate.describe()[1:]} only in age-restricted "
            "channels and DMs")
    return [
        ("Paging controls", PAGING_LABELS[settings.paging]),
        ("Reading-club mode", "on: anyone may turn pages" if settings.club_mode
         else "off: only the reader turns pages"),
        ("Age gating", held),
        ("Not Rated stories", "shown everywhere, like General" if settings.not_rated_open
         else "gated like Mature, as on AO3"),
        ("Stats", "on" if settings.stats_enabled else "off"),
    ]


def settings_changes(*, paging: str | None = None, club_mode: bool | None = None,
                     age_threshold: str | None = None,
                     stats_enabled: bool | None = None,
                     not_rated_open: bool | None = None) -> dict[str, object]:
    """The settings a `/settings` call changes; ValueError for a value that is not allowed."""
    changes: dict[str, object] = {}
    if paging is not None:
        if paging not in tuple(Paging):
            raise ValueError(f"paging must be one of {', '.join(Paging)}")
        changes["paging"] = Paging(paging)
    if club_mode is not None:
        changes["club_mode"] = bool(club_mode)
    if age_threshold is not None:
        if age_threshold not in tuple(AgeThreshold):
            raise ValueError(f"age gating must be one of {', '.join(AgeThreshold)}")
        changes["age_threshold"] = AgeThreshold(age_threshold)
    if stats_enabled is not None:
        changes["stats_enabled"] = bool(stats_enabled)
    if not_rated_open is not None:
        changes["not_rated_open"] = bool(not_rated_open)
    return changes
