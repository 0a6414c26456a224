"""The server service on a real library and SQLite file: settings and stats."""

from __future__ import annotations

import pytest

from bot.reading.gate import AgeThreshold, Place
from bot.reading.pages import Action
from bot.reading.service import Refused, Shown, Viewer
from bot.storage.progress import PageMessage, Paging

GUILD = 10
ALICE = Viewer(1, Place(GUILD))
BOB = Viewer(2, Place(GUILD))


async def read_publicly(services, viewer: Viewer, story_id: str, message_id: int, *,
                        turns: int = 0, action: Action = Action.NEXT) -> None:
    """Open a story as a public reading message and turn it by reaction, as the cogs do."""
    page = await services.reading.open(viewer, story_id)
    assert isinstance(page, Shown), page
    await services.reading.remember(PageMessage(message_id, 600, viewer.guild_id,
                                                viewer.user_id, story_id, page.page.start,
                                                Paging.REACTIONS))
    for _ in range(turns):
        assert await services.reading.reaction(viewer, message_id, action)


def sections(outcome) -> dict[str, str]:
    assert not isinstance(outcome, Refused), outcome
    return dict(outcome)


# --- settings --------------------------------------------------------------------------------


async def test_settings_without_options_only_show_them(services):
    shown = await services.server.settings(GUILD)
    assert shown.text == "Change any of these with the command's options."
    assert shown.changed == []
    lines = dict(shown.lines)
    assert lines["Paging controls"] == "reactions"
    assert lines["Reading-club mode"] == "off: only the reader turns pages"
    assert lines["Age gating"].startswith("Stories rated Mature or above")
    assert lines["Stats"] == "on"


async def test_settings_change_and_new_readings_use_them(services):
    shown = await services.server.settings(GUILD, paging="buttons", club_mode=True,
                                           age_threshold="Explicit", stats_enabled=False)
    assert shown.text == "Changed; new readings use these at once."
    assert shown.changed == ["age_threshold", "club_mode", "paging", "stats_enabled"]
    lines = dict(shown.lines)
    assert lines["Paging controls"] == "buttons"
    assert lines["Reading-club mode"].startswith("on")
    assert lines["Age gating"].startswith("Stories rated Explicit only")
    assert lines["Stats"] == "off"
    assert await services.reading.paging(GUILD) is Paging.BUTTONS
    assert isinstance(await services.reading.open(ALICE, "night-watch"), Shown)
    again = await services.server.settings(GUILD)
    assert again.lines == shown.lines and again.changed == []


async def test_a_setting_that_is_not_allowed_changes_nothing(services):
    with pytest.raises(ValueError):
        await services.server.settings(GUILD, paging="smoke signals", club_mode=True)
    settings = await services.database.settings.get(GUILD)
    assert settings.paging is Paging.REACTIONS and not settings.club_mode
    assert settings.age_threshold is AgeThreshold.MATURE


# --- stats -----------------------------------------------------------------------------------


async def test_stats_after_some_reading(services):
    await read_publicly(services, ALICE, "short", 100)
    await read_publicly(services, ALICE, "lantern", 101, turns=2)
    await read_publicly(services, BOB, "lantern", 102, turns=1)
    shown = sections(await services.server.stats(GUILD))
    assert shown["This server"].startswith("3 stories started · 1 finished · ")
    assert shown["Most read"].splitlines() == [
        "1. **The Lantern Keeper** — 2 readers, 0 finished",
        "2. **A Short One** — 1 reader, 1 finished",
    ]
    readers = shown["Top readers"].splitlines()
    assert readers[0].startswith("1. <@1> — ") and readers[0].endswith("1 story finished")
    assert readers[1].startswith("2. <@2> — ")


async def test_stats_leave_out_a_member_who_opted_out(services):
    await read_publicly(services, ALICE, "lantern", 100, turns=1)
    await services.members.set_stats_optout(2, True)
    await read_publicly(services, BOB, "lantern", 101, turns=3)
    shown = sections(await services.server.stats(GUILD))
    assert "<@2>" not in str(shown)
    assert shown["This server"].startswith("1 stories started")
    assert shown["Most read"] == "1. **The Lantern Keeper** — 1 reader, 0 finished"


async def test_stats_before_anyone_read(services):
    assert list(sections(await services.server.stats(GUILD))) == ["Nothing yet"]


async def test_stats_are_per_server_and_can_be_turned_off(services):
    in_dm = await services.server.stats(None)
    assert isinstance(in_dm, Refused) and in_dm.text.startswith("Stats are per server")
    await services.server.settings(GUILD, stats_enabled=False)
    off = await services.server.stats(GUILD)
    assert isinstance(off, Refused) and off.text == "Stats are turned off on this server."


async def test_stats_name_a_story_that_left_the_library_by_its_id(services):
    await services.reading.remember(PageMessage(100, 600, GUILD, 1, "gone", 0, Paging.BOTH))
    shown = sections(await services.server.stats(GUILD))
    assert shown["Most read"] == "1. **gone** — 1 reader, 0 finished"
