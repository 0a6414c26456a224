"""Many members turning pages at once: nothing lost, doubled or mixed up."""

from __future__ import annotations

from bot.reading.pages import Action, reaction_action, turn
from tests.helpers import page_number

MEMBERS = 200
ROUNDS = 56  # 11,200 turn requests, over 10,000 of them changing the page


def pattern(member: int, round_: int) -> str:
    """Mostly forward, sometimes back or to the start, differently for each member."""
    step = (member * 7 + round_) % 12
    return "◀️" if step == 10 else "⏮️" if step == 11 else "▶️"


async def test_two_hundred_members_turning_pages_at_once(env, guild, channel):
    members = [guild.add_member(env.create_user(f"reader{m}")) for m in range(MEMBERS)]
    messages = []
    for member in members:
        await member.slash(channel, "read", story="lantern")
        messages.append(channel.history()[-1])
    paged = await env.bot.library.paged("lantern", env.bot.config.page_chars)
    expected = [paged.pages[0]] * MEMBERS
    turns = [0] * MEMBERS
    for round_ in range(ROUNDS):
        # Every member's reaction reaches the bot before it has handled any of them.
        for index, (member, message) in enumerate(zip(members, messages, strict=True)):
            emoji = pattern(index, round_)
            env.backend.set_reaction(channel.id, message.id, emoji, member.id, True)
            action = reaction_action(emoji)
            assert isinstance(action, Action)
            after = turn(paged, expected[index].start, action)
            turns[index] += after is not expected[index]
            expected[index] = after
        await env.settle()
    assert sum(turns) >= 10_000  # a turn past either end changes nothing and is not counted
    history = {m.id: m for m in channel.history()}
    database = env.bot.database
    for index, (member, message) in enumerate(zip(members, messages, strict=True)):
        shown = history[message.id]
        assert page_number(shown) == expected[index].number
        progress = await database.progress.get(member.id, "lantern")
        reading = await database.messages.get(message.id)
        # What the member saw last is what is stored, and no turn was lost or doubled.
        assert progress.position == expected[index].start == reading.position
        assert progress.pages_turned == turns[index]
    assert not env.errors
