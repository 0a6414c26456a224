"""One of several bot processes sharing a PostgreSQL database, for the two-process test.

    python -m tests.shard_child DATABASE_URL STORIES_DIR SHARD

Runs the real bot holding shard SHARD of 2, against a SimCord of its own with one server
on that shard: members `alice` and `mod` (Manage Server, and the bot's owner), channels
`#reading` and `#quotes`. Users are made first, in the same order in every process, and
SimCord's clock starts at the same moment in each, so a member has the same id in all of
them: what one process stores about alice, another reads about its own alice.

It reads one JSON command per line and answers each with one JSON line; `turn` answers
`{"ack": n}` after each page turn the bot has finished, so every acknowledged turn has been
handled, and saved, before the line is written.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import discord
import simcord

from bot import Config, create_bot
from tests.helpers import page_number


def say(**answer: object) -> None:
    print(json.dumps(answer), flush=True)


async def main(url: str, stories: str, shard: int) -> None:
    config = Config(token="", stories_dir=Path(stories), database_url=url, page_chars=500,
                    shard_count=2, shard_ids=(shard,))
    bot = create_bot(config)
    async with simcord.run(bot) as env:
        await bot.tree.sync()
        await bot.services.catalogue.rebuilt()
        alice_user = env.create_user("alice")
        mod_user = env.create_user("mod")
        guild = env.create_guild(f"Shard {shard}", shard_id=shard)
        role = guild.create_role("mods", permissions=discord.Permissions(manage_guild=True))
        alice = guild.add_member(alice_user)
        mod = guild.add_member(mod_user, roles=[role])
        bot.owner_id = mod.id
        reading = guild.create_text_channel("reading")
        quotes = guild.create_text_channel("quotes")
        say(ready=True, alice=alice.id, guild=guild.id)

        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            command = json.loads(line)
            action = command.pop("do")
            if action == "read":
                result = await alice.slash(reading, "read", story=command["story"])
                embed = result.response.embeds[0] if result.response.embeds else None
                say(title=embed.title if embed else None, text=result.response.content)
            elif action == "turn":
                message = reading.history()[-1]
                for number in range(1, command["times"] + 1):
                    await alice.react(message, "▶️")
                    say(ack=number, page=page_number(reading.history()[-1]))
            elif action == "continue":
                result = await alice.slash(reading, "continue")
                message = reading.history()[-1]
                say(page=page_number(message), title=message.embeds[0].title)
            elif action == "schedule":
                result = await mod.slash(reading, "quotes schedule", channel=quotes,
                                         time=command["time"], every="hour")
                say(text=result.response.content)
            elif action == "advance":
                await env.advance_time(command["seconds"])
                say(posts=sum(1 for m in quotes.history() if m.author.bot and m.embeds))
            elif action == "schedules":
                rows = await bot.database.quotes.schedules(guild.id)
                say(paused=[s.paused_reason for s in rows])
            elif action == "reload":
                result = await mod.slash(reading, "stories reload")
                say(text=result.response.content)
            elif action == "has":
                say(found=command["story"] in bot.services.library)
            else:
                say(error=f"unknown command {action}")
        await bot.database.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
