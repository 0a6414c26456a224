"""Reading benchmark: page-turn latency, interaction latency, durable progress writes.

    python bench/reading.py [--turns 2000]

Runs the real bot inside SimCord with the bundled library plus a generated 2 MB story and
prints:
- in-process page-turn latency: from a reaction event reaching the reading cog to the edit
  request leaving the bot (p50, p99);
- `/read` and a button page turn through SimCord, from the member's action to the answer
  (p50, p99);
- durable progress writes per second on a real SQLite file (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import simcord
from _common import ROOT, percentiles, time_reaction_turns

from bench.generate import single_html
from bot import Config, create_bot
from bot.storage.database import Database


def next_button(message) -> str:
    for row in message.components:
        for child in row.children:
            if getattr(child, "custom_id", "").startswith("sb:nav:next"):
                return child.custom_id
    raise LookupError("no next button")


async def bench_bot(folder: Path, turns: int) -> None:
    config = Config(token="", stories_dir=folder, database_path=folder / "bench.sqlite3")
    bot = create_bot(config)
    async with simcord.run(bot) as env:
        await bot.tree.sync()
        guild = env.create_guild("Bench")
        channel = guild.create_text_channel("reading")
        reader = guild.add_member(env.create_user("reader"))
        # In-process: the reaction reaching the reading cog to the edit request leaving.
        turn_times = time_reaction_turns(bot)

        await reader.slash(channel, "read", story="two-megabytes")
        message = channel.history()[-1]
        for number in range(turns):
            await reader.react(message, "▶️" if number % 50 < 49 else "⏮️")
        print(f"  page turn, event -> edit request (in-process)  {percentiles(turn_times)}")

        read_times = []
        for _ in range(max(turns // 10, 50)):
            began = time.perf_counter()
            await reader.slash(channel, "read", story="two-megabytes", private=True)
            read_times.append(time.perf_counter() - began)
        print(f"  /read through SimCord                         {percentiles(read_times)}")

        # Bursts: 200 members, each round every member's reaction arrives before the bot
        # has handled any of them.
        members = [guild.add_member(env.create_user(f"member{n}")) for n in range(200)]
        messages = []
        for member in members:
            await member.slash(channel, "read", story="two-megabytes")
            messages.append(channel.history()[-1])
        turn_times.clear()
        rounds = 50
        began = time.perf_counter()
        for _ in range(rounds):
            for member, message in zip(members, messages, strict=True):
                env.backend.set_reaction(channel.id, message.id, "▶️", member.id, True)
            await env.settle()
        elapsed = time.perf_counter() - began
        print(f"  200 members in bursts, event -> edit request {percentiles(turn_times)}")
        print(f"  ... {len(members) * rounds} turns in {elapsed:.1f} s through SimCord "
              f"({len(members) * rounds / elapsed:.0f} turns/s)")

        await bot.database.settings.update(guild.id, paging="buttons")
        await reader.slash(channel, "read", story="two-megabytes")
        message = channel.history()[-1]
        click_times = []
        for _ in range(max(turns // 4, 100)):
            custom_id = next_button(next(m for m in channel.history() if m.id == message.id))
            began = time.perf_counter()
            await reader.click(message, custom_id=custom_id)
            click_times.append(time.perf_counter() - began)
        print(f"  button page turn through SimCord              {percentiles(click_times)}")
    await bot.database.close()


async def bench_writes(folder: Path, count: int) -> None:
    database = await Database.open(folder / "writes.sqlite3")
    began = time.perf_counter()
    for number in range(count):
        await database.progress.record_page(
            number % 200, f"story-{number % 50}", position=number * 10, anchor="anchor text",
            page_end=number * 10 + 1800, length=10_000_000, words=300, message_id=None,
        )
    elapsed = time.perf_counter() - began
    print(f"  durable progress writes (sequential awaits)   {count / elapsed:8.0f} per second")
    began = time.perf_counter()
    for number in range(count):
        await database.progress.record_page(
            7, "story", position=number, anchor="a", page_end=number + 1, length=10**6,
            words=1, message_id=42,
        )
    elapsed = time.perf_counter() - began
    print(f"  ... with the reading message moved too         {count / elapsed:8.0f} per second")

    async def member(user_id: int, turns: int) -> None:
        for number in range(turns):
            await database.progress.record_page(
                user_id, "story", position=number, anchor="a", page_end=number + 1,
                length=10**6, words=1, message_id=user_id,
            )

    members = 64
    began = time.perf_counter()
    await asyncio.gather(*(member(1000 + m, count // members) for m in range(members)))
    elapsed = time.perf_counter() - began
    total = members * (count // members)
    print(f"  ... {members} members turning at once              {total / elapsed:8.0f} per second")
    assert await database.integrity_check() == "ok"
    await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "stories"
        shutil.copytree(ROOT / "stories", folder)
        (folder / "two-megabytes.html").write_bytes(single_html(2_000_000))
        print(f"storybot reading benchmark — bundled stories + a 2 MB story, {args.turns} turns")
        asyncio.run(bench_bot(folder, args.turns))
        asyncio.run(bench_writes(Path(tmp), args.writes))


if __name__ == "__main__":
    main()
