"""The age gate holds at the moment a page is shown, whatever changed since it opened.

A reading opened where its story was allowed stops turning once the channel, the server's
settings or the story's rating say it may not show there; every control id a client sends
back is checked again (owner, story, gate, range), so a forged one shows nothing.

SimCord does not model a channel's age-restricted flag: it is set on the bot's own cached
channel object, which is what interactions and reactions resolve to.
"""

from __future__ import annotations

import discord
import pytest

from tests.helpers import (
    button,
    find,
    latest,
    page_number,
    restart,
    stored_progress,
    write_story,
)

NIGHT_TEXT = "Paragraph 1."  # how every page of the test stories' text begins


def set_age_restricted(env, channel, flag: bool) -> None:
    env.bot.get_channel(channel.id).nsfw = flag


async def plant(env, channel, *items: discord.ui.Item) -> discord.Message:
    """A bot message in `channel` carrying controls with any ids: what is left behind when
    a channel loses its flag or a story its rating, or what a stale client still shows."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    await env.bot.get_channel(channel.id).send("planted", view=view)
    return latest(channel)


def said(result) -> str:
    """Everything an interaction's answer and its follow-ups said, as one text."""
    texts = [result.response.content if result.response else None]
    texts += [f.content for f in result.followups]
    return "\n".join(t for t in texts if t)


def shows_text(message: discord.Message) -> bool:
    return bool(message.embeds) and NIGHT_TEXT in (message.embeds[0].description or "")


def closed(message: discord.Message) -> bool:
    return bool(message.embeds) and message.embeds[0].title == "Reading closed"


@pytest.fixture
def mature_in_chapters(stories_dir):
    write_story(stories_dir, "dark-harbour", title="Dark Harbour", rating="Mature",
                chapters=3, paragraphs=6)
    return "dark-harbour"


@pytest.fixture
async def restricted(env, channel, config, mature_in_chapters):
    await restart(env, config)
    set_age_restricted(env, channel, True)
    return channel


# --- the channel loses its age restriction ---------------------------------------------------


async def test_reaction_turn_stops_when_the_channel_loses_its_restriction(
        env, restricted, alice, config):
    await alice.slash(restricted, "read", story="dark-harbour")
    message = latest(restricted)
    await alice.react(message, "▶️")
    assert page_number(find(restricted, message.id)) == 2
    set_age_restricted(env, restricted, False)

    await alice.react(message, "▶️")
    shown = find(restricted, message.id)
    assert closed(shown) and not shows_text(shown)
    dm = alice.user.dm_channel
    assert dm is not None and "is rated Mature" in latest(dm).content
    saved = await stored_progress(config, alice.id, "dark-harbour")
    assert saved.pages_turned == 1  # the refused turn saved nothing
    # The closed message is no longer a reading: further reactions change nothing.
    await alice.react(message, "▶️")
    assert closed(find(restricted, message.id))
    assert not env.errors


@pytest.mark.parametrize("control", ["sb:nav:next", "sb:nav:last", "sb:goto", "sb:chap"])
async def test_button_controls_stop_when_the_channel_loses_its_restriction(
        env, guild, restricted, alice, config, control):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(restricted, "read", story="dark-harbour")
    message = latest(restricted)
    set_age_restricted(env, restricted, False)

    custom_id = button(message, control)
    if control == "sb:chap":
        result = await alice.select(message, ["2"], custom_id=custom_id)
    else:
        result = await alice.click(message, custom_id=custom_id)
    assert result.modal is None
    assert "is rated Mature" in said(result)
    shown = find(restricted, message.id)
    assert closed(shown) and not shows_text(shown)
    assert (await stored_progress(config, alice.id, "dark-harbour")).pages_turned == 0
    assert not env.errors


async def test_go_to_page_form_opened_before_the_change_is_refused(
        env, guild, restricted, alice, config):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(restricted, "read", story="dark-harbour")
    message = latest(restricted)
    form = await alice.click(message, custom_id=button(message, "sb:goto"))
    assert form.modal is not None
    set_age_restricted(env, restricted, False)

    result = await alice.submit_modal(form, {"page": "3"})
    assert "is rated Mature" in said(result)
    assert closed(find(restricted, message.id))
    assert (await stored_progress(config, alice.id, "dark-harbour")).pages_turned == 0


async def test_private_reading_stops_turning_too(env, restricted, alice):
    opened = await alice.slash(restricted, "read", story="dark-harbour", private=True)
    message = opened.response.message
    set_age_restricted(env, restricted, False)
    result = await alice.click(message, custom_id=button(message, "sb:nav:next"))
    assert "is rated Mature" in said(result)
    private = next(m for m in restricted.history(viewer=alice) if m.id == message.id)
    assert closed(private) and not shows_text(private)
    assert not env.errors


# --- the server's settings change ------------------------------------------------------------


async def test_raising_the_age_gate_stops_an_open_reading(env, guild, channel, alice, config,
                                                          stories_dir):
    write_story(stories_dir, "teen-tides", title="Teen Tides", rating="Teen", chapters=2,
                paragraphs=6)
    await restart(env, config)
    await alice.slash(channel, "read", story="teen-tides")
    message = latest(channel)
    await alice.react(message, "▶️")
    assert page_number(find(channel, message.id)) == 2

    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("ada"), roles=[role])
    await admin.slash(channel, "settings", age_gating="Teen And Up Audiences")
    await alice.react(message, "▶️")
    assert closed(find(channel, message.id))
    assert "rated Teen And Up Audiences" in latest(alice.user.dm_channel).content
    assert (await stored_progress(config, alice.id, "teen-tides")).pages_turned == 1


# --- the story is re-rated -------------------------------------------------------------------


async def test_a_story_re_rated_on_restart_stops_its_old_controls(env, guild, channel, alice,
                                                                  config, stories_dir):
    await env.bot.database.settings.update(guild.id, paging="both")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    path = stories_dir / "lantern.md"
    path.write_text(path.read_text().replace("rating: General Audiences", "rating: Explicit"))
    await restart(env, config)

    result = await alice.click(message, custom_id=button(message, "sb:nav:next"))
    assert "is rated Explicit" in said(result)
    assert closed(find(channel, message.id))
    # The reaction path of the same reading is closed with it.
    await alice.react(message, "▶️")
    assert closed(find(channel, message.id))
    # In a DM it still opens, at the place kept.
    opened = await alice.user.slash("continue", story="lantern")
    assert page_number(opened.response.message) == 1


# --- ids a client sends back are untrusted ---------------------------------------------------


async def test_a_forged_form_id_naming_a_gated_story_shows_nothing(
        env, guild, channel, alice, config, mature_in_chapters):
    await restart(env, config)
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    form = await alice.click(message, custom_id=button(message, "sb:goto"))
    form._interaction.modal["custom_id"] = f"sb:gotoform:{alice.id}:0:dark-harbour"

    result = await alice.submit_modal(form, {"page": "2"})
    assert result.ephemeral and "is rated Mature" in result.response.content
    lantern = find(channel, message.id)
    assert lantern.embeds[0].title == "The Lantern Keeper"  # another story's reading stays
    assert await stored_progress(config, alice.id, "dark-harbour") is None


async def test_a_forged_form_id_for_someone_elses_reading_is_refused(
        env, guild, channel, alice, bob, config):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    form = await bob.click(message, custom_id=button(message, "sb:goto"))
    assert form.modal is None  # bob may not open alice's form…
    await bob.slash(channel, "read", story="lantern", private=True)
    own = latest(channel, viewer=bob)
    form = await bob.click(own, custom_id=button(own, "sb:goto"))
    form._interaction.modal["custom_id"] = f"sb:gotoform:{alice.id}:0:lantern"
    result = await bob.submit_modal(form, {"page": "3"})  # …nor forge one
    assert "belong to" in result.response.content
    assert page_number(find(channel, message.id)) == 1
    assert (await stored_progress(config, alice.id, "lantern")).pages_turned == 0


@pytest.mark.parametrize("custom_id", [
    "sb:nav:next:{alice}:0:dark-harbour",
    "sb:nav:last:{alice}:0:dark-harbour",
    "sb:goto:{alice}:0:dark-harbour",
    "sb:mark:add:{alice}:0:dark-harbour",
    "sb:hit:dark-harbour:0",
    "sb:quote:0:dark-harbour",
    "sb:shelf:go:dark-harbour",
])
async def test_a_planted_control_for_a_gated_story_shows_nothing(
        env, channel, alice, config, mature_in_chapters, custom_id):
    await restart(env, config)
    custom_id = custom_id.format(alice=alice.id)
    message = await plant(env, channel, discord.ui.Button(label="go", custom_id=custom_id))
    requests_before = len(env.http_requests)

    result = await alice.click(message, custom_id=custom_id)
    assert result.modal is None
    if not custom_id.startswith("sb:mark"):
        assert "is rated Mature" in said(result)
    for request in env.http_requests[requests_before:]:
        assert NIGHT_TEXT not in str(request.json)  # no text of the gated story left the bot
    progress = await stored_progress(config, alice.id, "dark-harbour")
    assert progress is None or progress.pages_turned == 0
    assert find(channel, message.id).content == "planted"
    assert not env.errors


async def test_a_planted_chapter_value_gets_an_answer(env, channel, alice):
    custom_id = f"sb:chap:{alice.id}:0:lantern"
    select = discord.ui.Select(custom_id=custom_id, options=[
        discord.SelectOption(label="odd", value="²"), discord.SelectOption(label="x", value="x")])
    message = await plant(env, channel, select)
    for value in ("²", "x"):
        result = await alice.select(message, [value], custom_id=custom_id)
        assert result.ephemeral and "not a chapter" in result.response.content
    assert not env.errors


HUGE = "9" * 30


@pytest.mark.parametrize("custom_id", [
    f"sb:nav:next:{HUGE}:{HUGE}:lantern",
    f"sb:goto:{HUGE}:{HUGE}:lantern",
    f"sb:mark:add:{HUGE}:{HUGE}:lantern",
    f"sb:shelf:page:{HUGE}:{HUGE}",
    f"sb:marks:page:{HUGE}:{HUGE}",
    f"sb:marks:open:{HUGE}",
    f"sb:quote:{HUGE}:lantern",
    "sb:hit:lantern:999999999999",
])
async def test_a_planted_control_with_huge_numbers_gets_an_answer(env, channel, alice,
                                                                   custom_id):
    message = await plant(env, channel, discord.ui.Button(label="go", custom_id=custom_id))
    result = await alice.click(message, custom_id=custom_id)
    assert result.acknowledged
    assert "Something went wrong" not in said(result)
    assert not env.errors
