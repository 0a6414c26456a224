"""Every control the bot posts still works after a restart, or says politely it expired."""

from __future__ import annotations

import discord

from tests.helpers import button as control
from tests.helpers import find as current
from tests.helpers import footer, page_number, restart


async def test_every_control_survives_a_restart(env, guild, channel, alice, config):
    db = env.bot.database
    # Posted before the restart: a reaction reading, a button reading with its form open,
    # a private reading, a quote, search hits, a shelf, a bookmark list, a confirmation and
    # an admin's question before removing a story the server added.
    await alice.slash(channel, "read", story="lantern")
    reactions = channel.history()[-1]
    await db.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    buttons = channel.history()[-1]
    form = await alice.click(buttons, custom_id=control(buttons, "sb:goto"))
    private = (await alice.slash(channel, "read", story="lantern", private=True)).response.message
    quote = (await alice.slash(channel, "quote", story="lantern")).response.message
    hits = (await alice.slash(channel, "search", text="ferrywoman")).response.message
    await alice.slash(channel, "bookmark add", note="before the restart")
    marks = (await alice.slash(channel, "bookmark list")).response.message
    shelf = (await alice.slash(channel, "progress")).response.message
    confirm = (await alice.slash(channel, "forgetme")).response.message
    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("ada"), roles=[role])
    tide = ("---\ntitle: Tide Tables\nrating: General Audiences\n---\n\n"
            "The tide came in twice a day, and twice a day the harbour forgot it.")
    await admin.slash(channel, "stories add", file=("tide.md", tide.encode()))
    removal = (await admin.slash(channel, "stories remove", story="tide")).response.message

    await restart(env, config)
    checked = 0

    await alice.react(reactions, "▶️")
    assert page_number(current(channel, reactions.id)) == 2
    checked += 1
    await alice.click(buttons, custom_id=control(buttons, "sb:nav:next"))
    assert page_number(current(channel, buttons.id)) == 2
    checked += 1
    await alice.submit_modal(form, {"page": "4"})
    assert page_number(current(channel, buttons.id)) == 4
    checked += 1
    await alice.select(buttons, ["3"], custom_id=control(current(channel, buttons.id), "sb:chap"))
    assert footer(current(channel, buttons.id)).startswith("Chapter 3 · ")
    checked += 1
    result = await alice.click(buttons, custom_id=control(current(channel, buttons.id),
                                                          "sb:mark:add"))
    assert result.acknowledged and result.ephemeral
    checked += 1
    result = await alice.click(private, custom_id=control(private, "sb:nav:next"))
    assert result.acknowledged
    checked += 1
    result = await alice.click(quote, custom_id=control(quote, "sb:quote"))
    assert result.ephemeral and result.response.message.embeds[0].title == "The Lantern Keeper"
    checked += 1
    result = await alice.click(hits, custom_id=control(hits, "sb:hit"))
    assert result.ephemeral and "ferrywoman" in result.response.message.embeds[0].description
    checked += 1
    result = await alice.click(marks, custom_id=control(marks, "sb:marks:open"))
    assert result.ephemeral and result.response.message.embeds
    checked += 1
    result = await alice.click(shelf, custom_id=control(shelf, "sb:shelf:go"))
    assert result.ephemeral and result.response.message.embeds
    checked += 1
    # A confirmation deliberately expires: it says so and deletes nothing.
    result = await alice.click(confirm, custom_id=control(confirm, "sb:confirm"))
    assert "expired" in (result.response.content or "").lower()
    assert await env.bot.database.progress.get(alice.id, "lantern") is not None
    checked += 1
    result = await admin.click(removal, custom_id=control(removal, "sb:remove"))
    assert "expired" in (result.response.content or "").lower()
    assert "tide" in env.bot.services.library_for(guild.id)
    checked += 1
    assert checked == 12
    assert not env.errors
