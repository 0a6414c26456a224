"""Discord failing under the bot: members get an answer, one log line, no retried 403s."""

from __future__ import annotations

import logging

from tests.helpers import button, latest, page_number

FORBIDDEN = {"status": 403, "code": 50013, "message": "Missing Permissions"}


def requests(env, method: str, fragment: str) -> int:
    return sum(1 for r in env.http_requests if r.method == method and fragment in r.path)


async def others_still_served(channel, member) -> None:
    result = await member.slash(channel, "read", story="short")
    assert result.response.message.embeds[0].title == "A Short One"


async def test_forbidden_edit_is_not_retried_and_the_page_stays(env, channel, alice, bob,
                                                                caplog):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    before = requests(env, "PATCH", f"/messages/{message.id}")
    env.inject_error("PATCH", f"/channels/*/messages/{message.id}", times=None, **FORBIDDEN)
    with caplog.at_level(logging.INFO):
        await alice.react(message, "▶️")
    assert requests(env, "PATCH", f"/messages/{message.id}") - before == 1
    assert page_number(latest(channel)) == 1
    assert (await env.bot.database.messages.get(message.id)).position == 0
    assert sum("Could not turn the page" in r.getMessage() for r in caplog.records) == 1
    assert not env.errors
    await others_still_served(channel, bob)


async def test_server_errors_on_edit_are_retried_by_discord_py_then_logged(env, channel, alice,
                                                                          bob, caplog):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    env.inject_error("PATCH", f"/channels/*/messages/{message.id}", status=500, times=None)
    await alice.react(message, "▶️")
    assert page_number(latest(channel)) == 1
    assert "Could not turn the page" in caplog.text
    assert not env.errors
    await others_still_served(channel, bob)


async def test_forbidden_reaction_removal_is_tried_once_and_the_turn_happens(env, channel,
                                                                           alice):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    env.inject_error("DELETE", "/channels/*/messages/*/reactions/*", times=None, **FORBIDDEN)
    await alice.react(message, "▶️")
    assert page_number(latest(channel)) == 2
    assert requests(env, "DELETE", "/reactions/") == 1
    assert not env.errors


async def test_forbidden_reaction_add_falls_back_to_buttons(env, channel, alice):
    env.inject_error("PUT", "/channels/*/messages/*/reactions/*", times=None, **FORBIDDEN)
    result = await alice.slash(channel, "read", story="lantern")
    assert requests(env, "PUT", "/reactions/") == 1  # stopped at the first refusal
    message = latest(channel)
    assert button(message, "sb:nav:next")
    assert any("buttons instead" in f.content for f in result.followups)
    await alice.click(message, custom_id=button(message, "sb:nav:next"))
    assert page_number(latest(channel)) == 2


async def test_failed_interaction_response_still_answers_the_member(env, channel, alice, bob,
                                                                    caplog):
    env.inject_error("POST", "/interactions/*/callback", times=1, **FORBIDDEN)
    result = await alice.slash(channel, "read", story="lantern")
    assert result.ephemeral
    assert "Something went wrong" in result.response.content
    assert sum("/read: Discord refused" in r.getMessage() for r in caplog.records) == 1
    # SimCord records every command error that reaches the tree; this is the injected one.
    recorded = env.errors
    assert len(recorded) == 1 and "403 Forbidden" in str(recorded[0])
    cursor = env.error_cursor
    await others_still_served(channel, bob)
    assert not env.errors_since(cursor)


async def test_failed_note_follow_up_leaves_the_page_shown(env, channel, alice, caplog):
    env.inject_error("POST", "/webhooks/*", times=None, **FORBIDDEN)
    await alice.slash(channel, "read", story="lantern", page=999)
    assert page_number(latest(channel)) > 1
    assert "Could not answer member" in caplog.text
    assert not env.errors


async def test_failed_button_turn_is_logged_and_the_next_click_works(env, guild, channel,
                                                                     alice, caplog):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    env.inject_error("POST", "/interactions/*/callback", times=1, **FORBIDDEN)
    await alice.click(message, custom_id=button(message, "sb:nav:next"))
    assert "Discord refused a page" in caplog.text
    assert page_number(latest(channel)) == 1
    await alice.click(message, custom_id=button(latest(channel), "sb:nav:next"))
    assert page_number(latest(channel)) == 2
    assert not env.errors


async def test_server_errors_on_a_scheduled_post_keep_the_schedule(env, guild, channel, caplog):
    from tests.helpers import HOUR, MINUTE, posts, schedule

    await schedule(env, guild, channel, time="00:10")
    env.inject_error("POST", f"/channels/{channel.id}/messages", status=500, times=None)
    await env.advance_time(11 * MINUTE)
    assert posts(channel) == []
    refusals = [r for r in caplog.records if "Discord refused the post" in r.getMessage()]
    assert len(refusals) == 1
    (saved,) = await env.bot.database.quotes.schedules(guild.id)
    assert saved.paused_reason in (None, "")
    env.backend.faults.clear()
    await env.advance_time(24 * HOUR)
    assert len(posts(channel)) == 1
    assert not env.errors
