"""Settings in words, and what a /settings call changes."""

import pytest

from bot.server.settings import describe_settings, settings_changes
from bot.storage.settings import GuildSettings


def test_settings_changes_parse_and_refuse():
    assert settings_changes() == {}
    assert settings_changes(paging="both", club_mode=True, age_threshold="off",
                            stats_enabled=False) == {
        "paging": "both", "club_mode": True, "age_threshold": "off", "stats_enabled": False}
    with pytest.raises(ValueError):
        settings_changes(paging="smoke signals")
    with pytest.raises(ValueError):
        settings_changes(age_threshold="Teen")


def test_describe_settings():
    shown = dict(describe_settings(GuildSettings(1, "both", True, "off", False)))
    assert shown["Paging controls"] == "reactions and buttons"
    assert shown["Reading-club mode"].startswith("on")
    assert shown["Age gating"].startswith("off")
    assert shown["Stats"] == "off"
