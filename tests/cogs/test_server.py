"""Server stats and settings through the real discord.py client."""

from __future__ import annotations

import discord

from tests.helpers import button, latest, page_number, turn

# --- /stats ----------------------------------------------------------------------------------


async def test_stats_leave_out_a_member_who_opted_out(env, channel, alice, bob):
    await alice.slash(channel, "read", story="short")
    await turn(alice, channel, 1, "⏭️")
    await alice.slash(channel, "read", story="lantern")
    await turn(alice, channel, 2)
    await bob.slash(channel, "read", story="lantern")
    await turn(bob, channel, 1)
    result = await alice.slash(channel, "stats")
    assert not result.ephemeral
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["This server"].startswith("3 stories started · 1 finished · ")
    assert fields["Most read"].startswith("1. **The Lantern Keeper** — 2 readers")
    assert f"<@{alice.id}>" in fields["Top readers"] and f"<@{bob.id}>" in fields["Top readers"]
    # One line per story and per reader, as ranked lists read.
    assert fields["Most read"].splitlines()[1].startswith("2. **A Short One** — 1 reader")
    assert len(fields["Top readers"].splitlines()) == 2

    opted = await bob.slash(channel, "stats", privacy="optout")
    assert opted.ephemeral and "out of the stats" in opted.response.content
    await turn(bob, channel, 1)
    result = await alice.slash(channel, "stats")
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert f"<@{bob.id}>" not in str(fields)
    assert fields["This server"].startswith("2 stories started")
    assert env.bot.allowed_mentions.users is False  # the mentions never ping


async def test_admin_turns_stats_off(env, guild, channel, alice):
    admin = guild.add_member(env.create_user("ada"), roles=[
        guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))])
    await admin.slash(channel, "settings", stats=False)
    result = await alice.slash(channel, "stats")
    assert result.ephemeral and result.response.content == "Stats are turned off on this server."


# --- /settings -------------------------------------------------------------------------------


async def test_settings_changed_by_an_admin_and_refused_for_a_member(env, guild, channel, alice):
    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("ada"), roles=[role])
    shown = await admin.slash(channel, "settings")
    assert shown.ephemeral
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["Paging controls"] == "reactions"
    changed = await admin.slash(channel, "settings", paging="buttons", club_mode=True,
                                age_gating="Explicit")
    fields = {f.name: f.value for f in changed.response.embeds[0].fields}
    assert fields["Paging controls"] == "buttons"
    assert fields["Reading-club mode"].startswith("on")
    assert fields["Age gating"].startswith("Stories rated Explicit only")
    # New readings use them at once: buttons, and a Mature story opens in a plain channel.
    await alice.slash(channel, "read", story="night-watch")
    message = latest(channel)
    assert button(message, "sb:nav:next") and message.reactions == []

    # Discord hides /settings from members; a server may still show it to them, and then
    # the bot itself refuses.
    command = next(c for c in await env.bot.tree.fetch_commands() if c.name == "settings")
    guild.set_command_permissions(command, {alice: True})
    refused = await alice.slash(channel, "settings", paging="reactions")
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert (await env.bot.database.settings.get(guild.id)).paging == "buttons"


async def test_reading_club_mode_lets_a_second_member_turn_pages(env, guild, channel, alice,
                                                                  bob):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await bob.react(message, "▶️")
    assert page_number(latest(channel)) == 1
    admin = guild.add_member(env.create_user("ada"), roles=[
        guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))])
    await admin.slash(channel, "settings", club_mode=True)
    await bob.unreact(message, "▶️")
    await bob.react(message, "▶️")
    assert page_number(latest(channel)) == 2
