"""Quotes through the real discord.py client: /quote, schedules and the posting loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.storage.database import Database
from bot.text.markup import to_plain
from tests.helpers import HOUR, MINUTE, admin_of, fast_forward, posts, quote_text, restart, schedule


@pytest.fixture
def bot_database(database_target):
    """This module's behaviour is seen on SQLite and on PostgreSQL."""
    return database_target


async def test_quote_shows_a_line_with_its_source(env, channel, alice):
    result = await alice.slash(channel, "quote", story="lantern")
    embed = result.response.message.embeds[0]
    assert "— *The Lantern Keeper*, by Hollis Vane · Chapter " in embed.description
    assert embed.colour.value == 0x5DA35D


async def test_quote_leaves_gated_stories_out_of_ordinary_channels(env, channel, alice):
    for _ in range(15):
        result = await alice.slash(channel, "quote")
        assert "Night Watch" not in result.response.message.embeds[0].description
    gated = await alice.slash(channel, "quote", story="night-watch")
    assert gated.ephemeral and "age-restricted" in gated.response.content


async def test_quote_containing_a_phrase(env, channel, alice):
    result = await alice.slash(channel, "quote", text="ferrywoman")
    assert "ferrywoman" in quote_text(result.response.message)
    none = await alice.slash(channel, "quote", text="zebra crossing")
    assert none.ephemeral and "no quote containing" in none.response.content


async def test_read_from_here_opens_the_page_of_the_quote(env, channel, alice, bob):
    result = await alice.slash(channel, "quote", story="lantern")
    message = result.response.message
    text = quote_text(message)
    opened = await bob.click(message, label="Read from here")
    assert opened.ephemeral
    page = " ".join(to_plain(opened.response.message.embeds[0].description).split())
    assert " ".join(text.split())[:40] in page


async def test_a_schedule_posts_at_its_local_time_across_a_dst_change(env, guild, channel,
                                                                     config):
    # Virtual time starts on 2026-01-01; jump to the day before British Summer Time.
    await fast_forward(env, (datetime(2026, 3, 28, 12, tzinfo=UTC) - env.now()).total_seconds())
    await restart(env, config)
    await schedule(env, guild, channel, time="09:00", timezone="Europe/London")
    await env.advance_time(21 * HOUR)  # to 09:00 BST on the 29th (08:00 UTC)
    first = posts(channel)
    assert len(first) == 1
    assert abs(first[0].created_at - datetime(2026, 3, 29, 8, tzinfo=UTC)) < timedelta(minutes=1)
    await env.advance_time(24 * HOUR)
    second = posts(channel)[1]
    assert abs(second.created_at - datetime(2026, 3, 30, 8, tzinfo=UTC)) < timedelta(minutes=1)


async def test_a_restart_between_runs_neither_loses_nor_doubles(env, guild, channel, config):
    await schedule(env, guild, channel, time="00:10")
    await env.advance_time(11 * MINUTE)
    assert len(posts(channel)) == 1
    await restart(env, config)
    await env.advance_time(30 * MINUTE)
    assert len(posts(channel)) == 1
    await restart(env, config)
    await env.advance_time(24 * HOUR)
    assert len(posts(channel)) == 2


async def test_a_missed_run_is_posted_once_within_grace(env, guild, channel, config):
    await schedule(env, guild, channel, time="00:10", every="hour")
    await fast_forward(env, 40 * MINUTE)  # down from 00:00 to 00:40, missing 00:10
    await restart(env, config)
    await env.advance_time(MINUTE)
    assert len(posts(channel)) == 1


async def test_a_run_missed_beyond_grace_is_skipped(env, guild, channel, config):
    await schedule(env, guild, channel, time="00:10")
    await fast_forward(env, 3 * HOUR)
    await restart(env, config)
    await env.advance_time(MINUTE)
    assert posts(channel) == []
    schedules = await env.bot.database.quotes.schedules(guild.id)
    assert schedules[0].next_run == datetime(2026, 1, 2, 0, 10, tzinfo=UTC)


async def test_no_repeats_until_the_pool_is_used_up(env, guild, channel):
    # "short" has one paragraph: four quotes.
    await schedule(env, guild, channel, time="00:01", every="hour", story="short")
    await env.advance_time(4 * HOUR)
    first = [quote_text(m) for m in posts(channel)]
    assert len(first) == 4 and len(set(first)) == 4
    await env.advance_time(4 * HOUR)
    second = [quote_text(m) for m in posts(channel)][4:]
    assert sorted(second) == sorted(first)


async def test_a_deleted_channel_or_lost_permission_pauses_only_that_schedule(env, guild,
                                                                            channel):
    doomed = guild.create_text_channel("doomed")
    locked = guild.create_text_channel("locked", overwrites={
        env.bot.user: discord.PermissionOverwrite(send_messages=False)})
    await schedule(env, guild, channel, time="00:05")
    await schedule(env, guild, doomed, time="00:05")
    # The bot could not be given a schedule there; add it as if permission was lost later.
    await env.bot.database.quotes.add_schedule(
        guild_id=guild.id, channel_id=locked.id, time_of_day="00:05", timezone="UTC",
        every="day", story_id=None, next_run=datetime(2026, 1, 1, 0, 5, tzinfo=UTC),
        created_by=1)
    env.backend.delete_channel(doomed.id)
    await env.advance_time(6 * MINUTE)
    assert len(posts(channel)) == 1
    mod = await admin_of(env, guild)
    listing = (await mod.slash(channel, "quotes list")).response.content
    assert "paused: the channel no longer exists" in listing
    assert "paused: I lack Send Messages" in listing
    assert listing.count("paused") == 2


async def test_a_non_admin_cannot_schedule(env, channel, alice):
    result = await alice.slash(channel, "quotes schedule", channel=channel, time="09:00")
    assert result.ephemeral and "Manage Server" in result.response.content
    assert await env.bot.database.quotes.schedules(channel.id) == []


async def test_schedule_rejects_bad_input_clearly(env, guild, channel):
    mod = await admin_of(env, guild)
    bad_time = await mod.slash(channel, "quotes schedule", channel=channel, time="25:00")
    assert "is not a time" in bad_time.response.content
    bad_zone = await mod.slash(channel, "quotes schedule", channel=channel, time="09:00",
                               timezone="Europe/Londn")
    assert "Did you mean Europe/London" in bad_zone.response.content


async def test_stop_removes_a_schedule(env, guild, channel):
    await schedule(env, guild, channel, time="09:00")
    mod = await admin_of(env, guild)
    (only,) = await env.bot.database.quotes.schedules(guild.id)
    result = await mod.slash(channel, "quotes stop", schedule=only.id)
    assert f"#{only.id} removed" in result.response.content
    assert await env.bot.database.quotes.schedules(guild.id) == []


async def test_mentions_in_a_story_ping_nobody(env, guild, channel, alice, stories_dir):
    (stories_dir / "pings.md").write_text(
        "---\ntitle: Pings\nauthor: Pip\nrating: General Audiences\n---\n\n# One\n\n"
        "Then @everyone and <@123456789> and @here came down to the harbour at dawn.\n",
        encoding="utf-8")
    await env.bot.reload_library()
    await alice.slash(channel, "quote", story="pings")
    await schedule(env, guild, channel, time="00:05", story="pings")
    await env.advance_time(6 * MINUTE)
    sent = [r for r in env.http_requests
            if r.method == "POST" and isinstance(r.json, dict) and "embeds" in r.json]
    bodies = [r.json for r in sent]
    assert any("@everyone" in str(b) for b in bodies)
    for body in bodies:
        assert body.get("allowed_mentions") == {"parse": []} or (
            body.get("data", {}).get("allowed_mentions") == {"parse": []})
    assert all("\\<@123456789>" in m.embeds[0].description for m in posts(channel))


async def test_schedules_survive_in_sqlite(env, guild, channel, config):
    await schedule(env, guild, channel, time="07:30", timezone="Asia/Tokyo")
    database = await Database.open(config.database)
    try:
        (saved,) = await database.quotes.schedules(guild.id)
    finally:
        await database.close()
    assert (saved.time, saved.timezone, saved.every) == ("07:30", "Asia/Tokyo", "day")


async def paused_on_a_locked_channel(env, guild):
    """A schedule paused because the bot lost Send Messages in its channel."""
    locked = guild.create_text_channel("locked", overwrites={
        env.bot.user: discord.PermissionOverwrite(send_messages=False)})
    created = await env.bot.database.quotes.add_schedule(
        guild_id=guild.id, channel_id=locked.id, time_of_day="00:05", timezone="UTC",
        every="hour", story_id=None, next_run=datetime(2026, 1, 1, 0, 5, tzinfo=UTC),
        created_by=1)
    env.bot.get_cog("Quotes").wake()
    await env.advance_time(6 * MINUTE)
    assert (await env.bot.database.quotes.schedule(created.id)).paused_reason
    return locked, created


async def test_resume_restarts_a_paused_schedule_once_it_can_post(env, guild, channel):
    locked, paused = await paused_on_a_locked_channel(env, guild)
    mod = await admin_of(env, guild)
    still = await mod.slash(channel, "quotes resume", schedule=paused.id)
    assert "I still can't post in" in still.response.content
    assert "Send Messages" in still.response.content
    assert (await env.bot.database.quotes.schedule(paused.id)).paused_reason
    # An admin gives the permission back; the schedule resumes and posts at its next minute.
    env.backend.delete_overwrite(locked.id, env.bot.user.id)
    await env.advance_time(1)
    result = await mod.slash(channel, "quotes resume", schedule=paused.id)
    assert result.ephemeral
    assert f"Schedule #{paused.id} resumed" in result.response.content
    resumed = await env.bot.database.quotes.schedule(paused.id)
    assert resumed.paused_reason is None
    assert resumed.next_run > env.now()
    assert posts(locked) == []
    await env.advance_time(HOUR)
    assert len(posts(locked)) == 1
    listing = (await mod.slash(channel, "quotes list")).response.content
    assert "paused" not in listing


async def test_resume_explains_what_it_cannot_do(env, guild, channel, alice):
    mod = await admin_of(env, guild)
    await schedule(env, guild, channel, time="09:00")
    (running,) = await env.bot.database.quotes.schedules(guild.id)
    not_paused = await mod.slash(channel, "quotes resume", schedule=running.id)
    assert "is not paused" in not_paused.response.content
    missing = await mod.slash(channel, "quotes resume", schedule=running.id + 100)
    assert f"no schedule #{running.id + 100} here" in missing.response.content
    refused = await alice.slash(channel, "quotes resume", schedule=running.id)
    assert "Manage Server" in refused.response.content
    # A schedule whose channel was deleted cannot come back; the admin is told what to do.
    doomed = guild.create_text_channel("doomed")
    await schedule(env, guild, doomed, time="00:05")
    env.backend.delete_channel(doomed.id)
    await env.advance_time(6 * MINUTE)
    gone = next(s for s in await env.bot.database.quotes.schedules(guild.id)
                if s.channel_id == doomed.id)
    assert gone.paused_reason
    answer = await mod.slash(channel, "quotes resume", schedule=gone.id)
    assert "no longer exists" in answer.response.content and "/quotes stop" in \
        answer.response.content
    assert (await env.bot.database.quotes.schedule(gone.id)).paused_reason


async def test_resume_cannot_touch_another_servers_schedule(env, guild, channel):
    other = env.create_guild("Elsewhere")
    other_channel = other.create_text_channel("general")
    await schedule(env, other, other_channel, time="00:05")
    (theirs,) = await env.bot.database.quotes.schedules(other.id)
    await env.bot.database.quotes.pause_schedule(theirs.id, "the channel no longer exists")
    mod = await admin_of(env, guild)
    result = await mod.slash(channel, "quotes resume", schedule=theirs.id)
    assert f"no schedule #{theirs.id} here" in result.response.content
    assert (await env.bot.database.quotes.schedule(theirs.id)).paused_reason


async def test_resume_offers_only_paused_schedules(env, guild, channel):
    _, paused = await paused_on_a_locked_channel(env, guild)
    await schedule(env, guild, channel, time="09:00")
    mod = await admin_of(env, guild)
    offered = await mod.autocomplete(channel, "quotes resume", "schedule", "")
    assert [choice["value"] for choice in offered] == [paused.id]
    everything = await mod.autocomplete(channel, "quotes stop", "schedule", "")
    assert len(everything) == 2
