"""Reading through the real discord.py client against SimCord."""

from __future__ import annotations

import discord
import pytest

from tests.helpers import (
    button,
    custom_ids,
    find,
    footer,
    latest,
    page_number,
    prose,
    restart,
    stored_progress,
    total_pages,
    write_story,
)

# --- opening ---------------------------------------------------------------------------------


async def test_read_shows_the_first_page_with_reactions(env, channel, alice):
    result = await alice.slash(channel, "read", story="lantern")
    assert not result.ephemeral
    message = result.response.message
    embed = message.embeds[0]
    assert embed.title == "The Lantern Keeper"
    assert embed.author.name == "by Hollis Vane"
    assert embed.description.startswith("Paragraph 1.0.")
    assert footer(message).startswith("Chapter 1 · Chapter 1 Title — page 1/")
    assert "min left" in footer(message)
    assert embed.colour.value == 0x5DA35D  # General Audiences
    reactions = [str(r.emoji) for r in latest(channel).reactions]
    assert reactions == ["⏮️", "◀️", "▶️", "⏭️", "🔖"]


async def test_read_saves_progress_before_anything_else(env, channel, alice, config):
    await alice.slash(channel, "read", story="lantern", chapter=2)
    progress = await stored_progress(config, alice.id, "lantern")
    assert progress is not None and progress.pages_turned == 0
    message = latest(channel)
    assert footer(message).startswith("Chapter 2 · ")


async def test_unknown_story_suggests_close_matches(env, channel, alice):
    result = await alice.slash(channel, "read", story="lanter")
    assert result.ephemeral
    assert "There is no story called “lanter”" in result.response.content
    assert "`lantern`" in result.response.content


async def test_story_can_be_named_by_its_exact_title(env, channel, alice):
    result = await alice.slash(channel, "read", story="the lantern keeper")
    assert result.response.message.embeds[0].title == "The Lantern Keeper"


async def test_page_out_of_range_is_clamped_and_said(env, channel, alice):
    result = await alice.slash(channel, "read", story="lantern", page=999)
    message = latest(channel)
    assert page_number(message) == total_pages(message)
    assert any("showing page" in f.content for f in result.followups)
    assert all(f.ephemeral for f in result.followups)


async def test_chapter_out_of_range_is_clamped_and_said(env, channel, alice):
    result = await alice.slash(channel, "read", story="lantern", chapter=7, page=2)
    assert footer(latest(channel)).startswith("Chapter 3 · ")
    assert any("has 3 chapters" in f.content for f in result.followups)


async def test_autocomplete_matches_title_author_and_fandom(env, channel, alice):
    by_title = await alice.autocomplete(channel, "read", "story", "lant")
    assert [c["value"] for c in by_title] == ["lantern"]
    by_author = await alice.autocomplete(channel, "read", "story", "ines")
    assert [c["value"] for c in by_author] == ["night-watch"]
    assert "🔞" in by_author[0]["name"]
    everything = await alice.autocomplete(channel, "read", "story", "original work")
    assert len(everything) == 3
    assert len(await alice.autocomplete(channel, "read", "story", "")) == 3


# --- reactions -------------------------------------------------------------------------------


async def test_page_through_to_the_end_with_reactions(env, channel, alice, config):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    total = total_pages(message)
    assert total >= 5
    for expected in range(2, total + 1):
        await alice.react(message, "▶️")
        message = latest(channel)
        assert page_number(message) == expected
        # The bot has Manage Messages here: it tidies the reader's reaction away.
        assert all(r.count == 1 for r in message.reactions)
    assert footer(message).endswith("100% · the end")
    await alice.react(message, "▶️")  # past the end: nothing changes
    assert page_number(latest(channel)) == total
    progress = await stored_progress(config, alice.id, "lantern")
    assert progress.pages_turned == total - 1
    assert progress.finished_at is not None
    assert progress.furthest == progress.length


async def test_first_and_last_reactions(env, channel, alice):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await alice.react(message, "⏭️")
    assert page_number(latest(channel)) == total_pages(message)
    await alice.react(message, "◀️")
    assert page_number(latest(channel)) == total_pages(message) - 1
    await alice.react(message, "⏮️")
    assert page_number(latest(channel)) == 1


async def test_another_member_cannot_turn_the_pages(env, channel, alice, bob, config):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await bob.react(message, "▶️")
    assert page_number(latest(channel)) == 1
    assert await stored_progress(config, bob.id, "lantern") is None


async def test_reading_club_mode_lets_anyone_turn(env, channel, alice, bob):
    await env.bot.database.settings.update(channel.guild.id if hasattr(channel, "guild")
                                                 else env.guild.id, club_mode=True)
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await bob.react(message, "▶️")
    assert page_number(latest(channel)) == 2


async def test_unrelated_reactions_and_messages_are_ignored(env, channel, alice):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await alice.react(message, "😀")
    assert page_number(latest(channel)) == 1
    assert not env.errors


async def test_without_manage_messages_the_reaction_stays_and_still_turns(env, guild, alice):
    channel = guild.create_text_channel(
        "no-manage", overwrites={env.bot.user: discord.PermissionOverwrite(manage_messages=False)}
    )
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await alice.react(message, "▶️")
    message = latest(channel)
    assert page_number(message) == 2
    next_reaction = next(r for r in message.reactions if str(r.emoji) == "▶️")
    assert next_reaction.count == 2  # the bot's and the reader's, left alone
    removals = [r for r in env.http_requests if r.method == "DELETE" and "reactions" in r.path]
    assert removals == []
    await alice.unreact(message, "▶️")  # removing does not turn pages in a server
    assert page_number(latest(channel)) == 2
    await alice.react(message, "▶️")
    assert page_number(latest(channel)) == 3


async def test_no_permission_to_add_reactions_falls_back_to_buttons(env, guild, alice):
    channel = guild.create_text_channel(
        "no-react", overwrites={env.bot.user: discord.PermissionOverwrite(add_reactions=False)}
    )
    result = await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    assert not message.reactions
    assert button(message, "sb:nav:next")
    assert any("buttons instead" in f.content for f in result.followups)
    await alice.click(message, custom_id=button(message, "sb:nav:next"))
    assert page_number(latest(channel)) == 2


async def test_two_quick_turns_are_both_applied_in_order(env, channel, alice, bob):
    await env.bot.database.settings.update(env.guild.id, club_mode=True)
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    # Both reaction events reach the bot before it has handled either.
    env.backend.set_reaction(channel.id, message.id, "▶️", alice.id, True)
    env.backend.set_reaction(channel.id, message.id, "▶️", bob.id, True)
    await env.settle()
    assert page_number(latest(channel)) == 3
    reading = await env.bot.database.messages.get(message.id)
    assert reading.position == (await env.bot.library.paged("lantern", 500)).pages[2].start


async def test_deleted_reading_message_is_forgotten(env, channel, alice):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    # Without the message intents the bot learns of a deletion when its edit finds nothing.
    env.inject_error("PATCH", f"/channels/{channel.id}/messages/{message.id}", status=404,
                     code=10008, message="Unknown Message")
    await alice.react(message, "▶️")
    assert await env.bot.database.messages.get(message.id) is None
    assert not env.errors


async def test_failed_edit_is_logged_and_the_reader_keeps_going(env, channel, alice, caplog):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    env.inject_error("PATCH", f"/channels/{message.channel.id}/messages/{message.id}",
                     status=500)
    await alice.react(message, "▶️")
    assert page_number(latest(channel)) == 1
    assert "Could not turn the page" in caplog.text
    reading = await env.bot.database.messages.get(message.id)
    assert reading.position == 0  # the row still matches what the message shows
    await alice.react(message, "▶️")
    assert page_number(latest(channel)) == 2


# --- buttons ---------------------------------------------------------------------------------


async def test_page_through_to_the_end_with_buttons(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    assert not message.reactions
    total = total_pages(message)
    for expected in range(2, total + 1):
        await alice.click(message, custom_id=button(message, "sb:nav:next"))
        message = latest(channel)
        assert page_number(message) == expected
    labels = [getattr(c, "label", None) for row in message.components for c in row.children]
    assert f"{total}/{total}" in labels
    disabled = {c.custom_id.split(":")[2] for row in message.components for c in row.children
                if c.custom_id and c.custom_id.startswith("sb:nav") and c.disabled}
    assert disabled == {"next", "last"}


async def test_another_member_gets_a_private_hint_on_buttons(env, guild, channel, alice, bob):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    result = await bob.click(message, custom_id=button(message, "sb:nav:next"))
    assert result.ephemeral
    assert "belong to" in result.response.content
    assert page_number(latest(channel)) == 1


async def test_both_controls(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, paging="both")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    assert message.reactions and button(message, "sb:nav:next")
    await alice.react(message, "▶️")
    message = latest(channel)
    assert page_number(message) == 2
    await alice.click(message, custom_id=button(message, "sb:nav:next"))
    assert page_number(latest(channel)) == 3


async def test_go_to_page_modal(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    shown = await alice.click(message, custom_id=button(message, "sb:goto"))
    assert shown.modal is not None
    await alice.submit_modal(shown, {"page": "4"})
    assert page_number(latest(channel)) == 4
    shown = await alice.click(latest(channel), custom_id=button(latest(channel), "sb:goto"))
    result = await alice.submit_modal(shown, {"page": "900"})
    assert page_number(latest(channel)) == total_pages(message)
    assert any("showing page" in f.content for f in result.followups)
    shown = await alice.click(latest(channel), custom_id=button(latest(channel), "sb:goto"))
    result = await alice.submit_modal(shown, {"page": "twelve"})
    assert "is not a page number" in result.response.content
    assert page_number(latest(channel)) == total_pages(message)


async def test_chapter_select(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await alice.select(message, ["3"], custom_id=button(message, "sb:chap"))
    message = latest(channel)
    assert footer(message).startswith("Chapter 3 · Chapter 3 Title — page ")
    select = next(c for row in message.components for c in row.children
                  if c.custom_id.startswith("sb:chap"))
    assert [o.default for o in select.options] == [False, False, True]


async def test_one_chapter_story_has_no_chapter_select(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="short")
    assert not [c for c in custom_ids(latest(channel)) if c.startswith("sb:chap")]


async def test_private_reading_is_ephemeral_with_buttons(env, channel, alice, config):
    result = await alice.slash(channel, "read", story="lantern", private=True)
    assert result.ephemeral
    message = result.response.message
    assert button(message, "sb:nav:next")
    click = await alice.click(message, custom_id=button(message, "sb:nav:next"))
    assert click.acknowledged
    progress = await stored_progress(config, alice.id, "lantern")
    assert progress.pages_turned == 1


# --- continue, restarts, edits -----------------------------------------------------------------


async def test_continue_after_restart_and_old_controls_still_work(env, guild, channel, alice,
                                                                   config):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    button_message = latest(channel)
    await env.bot.database.settings.update(guild.id, paging="reactions")
    await alice.slash(channel, "read", story="lantern")
    reaction_message = latest(channel)
    for _ in range(3):
        await alice.react(reaction_message, "▶️")
    await restart(env, config)

    result = await alice.slash(channel, "continue", story="lantern")
    assert page_number(result.response.message) == 4
    result = await alice.slash(channel, "continue")
    assert page_number(result.response.message) == 4

    await alice.react(reaction_message, "▶️")
    assert page_number(find(channel, reaction_message.id)) == 5
    await alice.click(button_message, custom_id=button(button_message, "sb:nav:next"))
    assert page_number(find(channel, button_message.id)) == 2
    shown = await alice.click(button_message, custom_id=button(find(channel, button_message.id),
                                                               "sb:goto"))
    await alice.submit_modal(shown, {"page": "6"})
    assert page_number(find(channel, button_message.id)) == 6


async def test_continue_with_nothing_read(env, channel, alice):
    result = await alice.slash(channel, "continue")
    assert result.ephemeral and "haven't started" in result.response.content


async def test_continue_after_page_size_change(env, channel, alice, config, tmp_path):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    for _ in range(5):
        await alice.react(message, "▶️")
    text_before = latest(channel).embeds[0].description[:60]
    from dataclasses import replace

    await restart(env, replace(config, page_chars=1500))
    result = await alice.slash(channel, "continue", story="lantern")
    assert text_before in result.response.message.embeds[0].description


async def test_story_edited_on_disk_keeps_the_readers_place(env, channel, alice, config,
                                                           stories_dir):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    for _ in range(4):
        await alice.react(message, "▶️")
    first_words = latest(channel).embeds[0].description[:50]
    path = stories_dir / "lantern.md"
    text = path.read_text()
    foreword = "A foreword the author added later, long enough to shift every offset. " * 20
    path.write_text(text.replace("# Chapter 1 Title\n\n", f"# Chapter 1 Title\n\n{foreword}\n\n",
                                 1))
    await restart(env, config)
    result = await alice.slash(channel, "continue", story="lantern")
    assert first_words in result.response.message.embeds[0].description


async def test_continue_a_story_removed_from_the_library(env, channel, alice, config,
                                                         stories_dir):
    await alice.slash(channel, "read", story="short")
    (stories_dir / "short.md").unlink()
    await restart(env, config)
    result = await alice.slash(channel, "continue")
    assert result.ephemeral and "no longer in the library" in result.response.content


# --- DMs and age gating ----------------------------------------------------------------------


async def test_mature_story_is_refused_in_an_ordinary_channel(env, channel, alice):
    result = await alice.slash(channel, "read", story="night-watch")
    assert result.ephemeral
    assert "rated Mature" in result.response.content
    assert "age-restricted channels or in a DM" in result.response.content
    assert all(not m.embeds for m in channel.history())


async def test_mature_story_opens_in_a_dm_and_pages_turn(env, alice):
    user = alice.user
    result = await user.slash("read", story="night-watch")
    message = result.response.message
    assert message.embeds[0].title == "Night Watch"
    assert message.embeds[0].colour.value == 0xE07B39
    dm = user.dm_channel
    if total_pages(message) > 1:
        await user.set_reaction(message, "▶️", reacted=True)
        assert page_number(latest(dm)) == 2
        # In a DM the bot cannot remove the reaction, so taking it back turns the page too.
        await user.set_reaction(message, "▶️", reacted=False)
        assert page_number(latest(dm)) == 3 or page_number(latest(dm)) == total_pages(message)


async def test_lower_threshold_gates_teen_stories(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, age_threshold="Teen And Up Audiences")
    result = await alice.slash(channel, "read", story="short")
    assert result.ephemeral and "rated Teen And Up Audiences" in result.response.content


async def test_not_rated_story_is_gated_like_mature_until_the_server_opens_it(
        env, guild, channel, alice, stories_dir, config):
    (stories_dir / "unlabelled.md").write_text(
        "---\ntitle: Unlabelled\n---\n\n" + prose(1, 2), encoding="utf-8")
    await restart(env, config)
    refused = await alice.slash(channel, "read", story="unlabelled")
    assert refused.ephemeral
    assert refused.response.content.startswith(
        "**Unlabelled** is Not Rated. Stories rated Mature or above and Not Rated stories open "
        "only in age-restricted channels")
    assert all(not m.embeds for m in channel.history())
    choices = await alice.autocomplete(channel, "read", "story", "unlab")
    assert [c["name"] for c in choices] == ["Unlabelled 🔞"]

    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("ada"), roles=[role])
    changed = await admin.slash(channel, "settings", not_rated=True)
    fields = {f.name: f.value for f in changed.response.embeds[0].fields}
    assert fields["Not Rated stories"].startswith("shown everywhere")
    assert fields["Age gating"].startswith("Stories rated Mature or above only")
    opened = await alice.slash(channel, "read", story="unlabelled")
    assert opened.response.message.embeds[0].title == "Unlabelled"
    # Mature stays gated: the setting opens only what has no rating.
    mature = await alice.slash(channel, "read", story="night-watch")
    assert mature.ephemeral and "rated Mature" in mature.response.content


# --- no pings --------------------------------------------------------------------------------


async def test_story_text_with_mentions_pings_nobody(env, guild, channel, alice, stories_dir,
                                                     config):
    write_story(stories_dir, "loud", title="Loud", rating="General Audiences", chapters=1,
                paragraphs=1)
    path = stories_dir / "loud.md"
    path.write_text(path.read_text() + f"\n\n@everyone look <@{alice.id}> and @here.\n")
    await restart(env, config)
    await alice.slash(channel, "read", story="loud")
    sent = [r for r in env.http_requests
            if isinstance(r.json, dict) and "embeds" in (r.json.get("data") or r.json)]
    assert sent
    for request in sent:
        body = request.json.get("data") or request.json
        assert body.get("allowed_mentions") == {"parse": []}
    description = latest(channel).embeds[0].description
    assert "@everyone" in description and "\\<@" in description


@pytest.mark.parametrize("story", ["lantern", "night-watch", "short"])
async def test_every_page_embed_fits_discord(env, alice, story):
    user = alice.user
    result = await user.slash("read", story=story)
    message = result.response.message
    for _ in range(total_pages(message)):
        embed = latest(user.dm_channel).embeds[0]
        assert len(embed.description) <= 4096
        assert len(embed) <= 6000
        await user.set_reaction(message, "▶️", reacted=True)
        await user.set_reaction(message, "▶️", reacted=False)


async def test_go_to_page_form_opened_before_a_restart_works_after(env, guild, channel, alice,
                                                                  config):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    shown = await alice.click(message, custom_id=button(message, "sb:goto"))
    await restart(env, config)
    await alice.submit_modal(shown, {"page": "5"})
    assert page_number(find(channel, message.id)) == 5
