"""Odd and hostile input gets a clear answer and breaks nothing."""

from __future__ import annotations

import pytest

from tests.helpers import button, latest, page_number, restart, total_pages, write_story

ODD_QUERIES = ["", " ", "*", "%", "_", "'", '"', "\\", "--", "' OR 1=1 --", "🔥" * 50,
               "a" * 100, "ｌａｎｔｅｒｎ", "\u200b", "<@123>", "@everyone", "NULL"]


@pytest.mark.parametrize("query", ODD_QUERIES)
async def test_autocomplete_with_odd_queries(env, channel, alice, query):
    choices = await alice.autocomplete(channel, "read", "story", query)
    assert len(choices) <= 25
    assert all(0 < len(c["name"]) <= 100 for c in choices)
    assert not env.errors


async def test_longest_unknown_story_name_is_answered(env, channel, alice):
    result = await alice.slash(channel, "read", story="x" * 100)
    assert result.ephemeral and "There is no story called" in result.response.content
    assert len(result.response.content) <= 2000


async def test_huge_page_and_chapter_numbers_are_clamped(env, channel, alice):
    await alice.slash(channel, "read", story="lantern", page=2**53 - 1)  # Discord's largest
    assert page_number(latest(channel)) == total_pages(latest(channel))
    await alice.slash(channel, "read", story="lantern", chapter=2**31, page=2**31)
    assert page_number(latest(channel)) == total_pages(latest(channel))


@pytest.mark.parametrize(("typed", "expected"), [
    ("-5", 1), ("0", 1), ("9999999", None), (" 3 ", 3), ("٣", 3),
])
async def test_go_to_page_with_odd_numbers(env, guild, channel, alice, typed, expected):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    shown = await alice.click(message, custom_id=button(message, "sb:goto"))
    await alice.submit_modal(shown, {"page": typed})
    wanted = total_pages(message) if expected is None else expected
    assert page_number(latest(channel)) == wanted
    assert not env.errors


@pytest.mark.parametrize("typed", ["three", "1e3", "", "½", "3.5"])
async def test_go_to_page_with_words_is_refused_kindly(env, guild, channel, alice, typed):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    shown = await alice.click(message, custom_id=button(message, "sb:goto"))
    if not typed:
        return  # an empty answer is refused by Discord's own min_length
    result = await alice.submit_modal(shown, {"page": typed})
    assert result.ephemeral and "is not a page number" in result.response.content
    assert page_number(latest(channel)) == 1


async def test_story_text_with_markdown_mentions_and_invisibles(env, guild, channel, alice,
                                                                 stories_dir, config):
    write_story(stories_dir, "tricky", title="Tricky *Title* @here", rating="General Audiences",
                chapters=1, paragraphs=1)
    path = stories_dir / "tricky.md"
    path.write_text(path.read_text() + (
        "\n\nA \\*\\*not bold\\*\\* line, a \\`tick\\`, a || spoiler ||, <@&42> and @here, "
        "zero\u200bwidth and a bell\x07.\n"))
    await restart(env, config)
    await alice.slash(channel, "read", story="tricky")
    embed = latest(channel).embeds[0]
    text = embed.description
    assert "\\*\\*not bold\\*\\*" in text
    assert "\\`tick\\`" in text and "\\|\\| spoiler \\|\\|" in text
    assert "\\<@&42>" in text and "\x07" not in text and "\u200b" in text
    assert embed.title == "Tricky \\*Title\\* \\@here"  # embed titles render markdown
    for request in env.http_requests:
        if isinstance(request.json, dict) and "embeds" in (request.json.get("data") or {}):
            assert request.json["data"]["allowed_mentions"] == {"parse": []}


# Up to the option lengths Discord enforces before the bot sees anything.
BAD_TIMES = ["24:00", "9:61", "noon-ish", "-1:00", "99999999", "０９:００x", "9" * 20]
BAD_ZONES = ["Mars/Olympus_Mons", "../../etc/passwd", "UTC+25", "x" * 64, "Europe/",
             "\u200b", "<@123>"]


async def moderator(env, guild):
    import discord

    role = guild.create_role("mods", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("mod"), roles=[role])


@pytest.mark.parametrize("time", BAD_TIMES)
async def test_schedule_with_odd_times_is_refused_clearly(env, guild, channel, time):
    mod = await moderator(env, guild)
    result = await mod.slash(channel, "quotes schedule", channel=channel, time=time)
    assert result.ephemeral and "Schedule #" not in result.response.content
    assert await env.bot.database.quotes.schedules(guild.id) == []
    assert not env.errors


@pytest.mark.parametrize("zone", BAD_ZONES)
async def test_schedule_with_unknown_time_zones_is_refused_clearly(env, guild, channel, zone):
    mod = await moderator(env, guild)
    result = await mod.slash(channel, "quotes schedule", channel=channel, time="09:00",
                             timezone=zone)
    assert result.ephemeral and "Schedule #" not in result.response.content
    assert await env.bot.database.quotes.schedules(guild.id) == []
    assert not env.errors


@pytest.mark.parametrize("query", ODD_QUERIES)
async def test_time_zone_autocomplete_with_odd_queries(env, guild, channel, query):
    mod = await moderator(env, guild)
    choices = await mod.autocomplete(channel, "quotes schedule", "timezone", query,
                                     channel=channel, time="09:00")
    assert len(choices) <= 25 and all(0 < len(c["name"]) <= 100 for c in choices)
    assert not env.errors


@pytest.mark.parametrize("typed", ["²", "①", "5²", "--5", "+-3", "٣²", "1 000"])
async def test_go_to_page_with_digits_that_are_not_numbers(env, guild, channel, alice, typed):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    shown = await alice.click(message, custom_id=button(message, "sb:goto"))
    result = await alice.submit_modal(shown, {"page": typed})
    assert result.ephemeral and "is not a page number" in result.response.content
    assert page_number(latest(channel)) == 1
    assert not env.errors


@pytest.mark.parametrize("typed", ["²", "①", "9" * 20, str(2**63), "-1", "--5"])
async def test_bookmark_remove_with_odd_ids(env, channel, alice, typed):
    await alice.slash(channel, "read", story="lantern")
    await alice.slash(channel, "bookmark add", note="keep this")
    result = await alice.slash(channel, "bookmark remove", bookmark=typed)
    assert result.ephemeral and "no such bookmark" in result.response.content
    listed = await alice.slash(channel, "bookmark list")
    assert "keep this" in listed.response.embeds[0].description
    assert not env.errors
