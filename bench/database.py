"""Database benchmark: SQLite beside PostgreSQL, with 1, 8 and 64 members at once.

    python bench/database.py [--quick]

Starts a throwaway PostgreSQL cluster on loopback (`tests/postgres_server.py`, fsync on:
what is measured is writes a crash would not lose) and, for each backend and each number of
members, prints a row of:
- durable progress writes per second: every member saving page turns through
  `Database.progress.record_page` as fast as its writes are acknowledged (committed), each
  on its own story and reading message in one server, so the statement runs every trigger
  a page turn runs in the bot; and each write's time from call to commit (p50, p99);
- page turns through the real bot in SimCord: every member has opened `/read` on the same
  2 MB story in one channel and turns pages by reaction, all at once, each reacting again
  as soon as the bot has answered its last reaction; the time from the reaction event
  reaching the reading cog to the edit request leaving ("turn", p50, p99), the time from
  the reaction to the bot being done with it, page edited and reaction removed ("round",
  p50, p99), and turns per second overall.

SQLite commits in WAL mode with synchronous=NORMAL: a commit survives the process being
killed and reaches the disk at the next checkpoint, so its writes wait for no fsync.
PostgreSQL runs with synchronous_commit=on: each commit waits for its WAL flush, which
commits arriving together share. One bot process holds at most `POOL_SIZE` connections,
so that many of its statements run at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import simcord
from _common import percentile, time_reaction_turns

from bench.generate import single_html
from bot import Config, create_bot
from bot.storage import postgres
from bot.storage.database import Database
from bot.storage.progress import PageMessage, Paging
from tests import postgres_server

MEMBERS = (1, 8, 64)
STORY = "two-megabytes"  # the generated story's id, from its file name: 920 pages
GUILD = 1


@dataclass
class Figures:
    """What one backend gave with one number of members."""

    writes_per_s: float = 0.0
    write_times: list[float] = field(default_factory=list)
    turn_times: list[float] = field(default_factory=list)  # event -> edit request
    round_times: list[float] = field(default_factory=list)  # reaction -> answered
    turns_per_s: float = 0.0


@dataclass
class Plan:
    """How long each measurement runs: enough samples for a p99 that holds still from one
    run to the next, few enough for the whole run to take a couple of minutes."""

    write_seconds: float
    turns: dict[int, int]  # turns each member makes, by number of members


FULL = Plan(write_seconds=10.0, turns={1: 800, 8: 200, 64: 40})
QUICK = Plan(write_seconds=1.0, turns={1: 60, 8: 12, 64: 3})


# --- durable writes -------------------------------------------------------------------------


async def bench_writes(target: Path | str, members: int, seconds: float) -> Figures:
    """Members saving page turns for `seconds`, each waiting for its write to commit."""
    database = await Database.open(target)
    try:
        for member in range(members):
            await database.messages.save(PageMessage(
                message_id=50_000 + member, channel_id=2, guild_id=GUILD,
                user_id=1000 + member, story_id=f"story-{member}", position=0,
                controls=Paging.REACTIONS))
        figures = Figures()

        async def member_writes(member: int, until: float, times: list[float] | None) -> int:
            done = 0
            while time.perf_counter() < until:
                began = time.perf_counter()
                await database.progress.record_page(
                    1000 + member, f"story-{member}", position=done * 1800,
                    anchor="the lantern by the harbour", page_end=(done + 1) * 1800,
                    length=10_000_000, words=300, message_id=50_000 + member)
                if times is not None:
                    times.append(time.perf_counter() - began)
                done += 1
            return done

        # A member's first write inserts its rows; every later one updates them, as turns do.
        warm = time.perf_counter() + min(0.3, seconds / 5)
        await asyncio.gather(*(member_writes(m, warm, None) for m in range(members)))
        began = time.perf_counter()
        until = began + seconds
        counts = await asyncio.gather(
            *(member_writes(m, until, figures.write_times) for m in range(members)))
        figures.writes_per_s = sum(counts) / (time.perf_counter() - began)
        return figures
    finally:
        await database.close()


# --- page turns through the bot -------------------------------------------------------------


async def bench_bot(config: Config, plan: Plan, results: dict[int, Figures]) -> None:
    """One bot on `config`'s database; for each number of members, new members open a
    reading each, then all turn pages at once.

    SimCord runs one member action at a time (`member.react` returns once the whole bot is
    idle, and a second one meanwhile is refused), so members react through its backend,
    which delivers the event as Discord's gateway would, and a member's turn ends when the
    reading cog is done with it: the page edited and the reaction removed, so that the next
    one is a new reaction.
    """
    database = await Database.open(config.database)
    bot = create_bot(config, database=database)
    try:
        async with simcord.run(bot) as env:
            await bot.tree.sync()
            guild = env.create_guild("Bench")
            channel = guild.create_text_channel("reading")
            turn_times = time_reaction_turns(bot)
            answered: dict[int, asyncio.Future[None]] = {}
            cog = bot.get_cog("Reading")
            handler = cog._reaction

            async def answering_handler(payload, *, added):
                try:
                    await handler(payload, added=added)
                finally:
                    waiting = answered.pop(payload.message_id, None)
                    if added and waiting is not None and not waiting.done():
                        waiting.set_result(None)

            cog._reaction = answering_handler
            loop = asyncio.get_running_loop()
            for members in MEMBERS:
                readers = []
                for number in range(members):
                    member = guild.add_member(env.create_user(f"m{members}-{number}"))
                    await member.slash(channel, "read", story=STORY)
                    readers.append((member, channel.history()[-1]))
                await env.settle()
                round_times: list[float] = []

                async def turn_pages(member, message, turns: int,
                                     round_times: list[float] = round_times) -> None:
                    for _ in range(turns):
                        waiting = answered[message.id] = loop.create_future()
                        began = time.perf_counter()
                        env.backend.set_reaction(channel.id, message.id, "▶️", member.id, True)
                        await asyncio.wait_for(waiting, 60)
                        round_times.append(time.perf_counter() - began)

                turns = plan.turns[members]
                turn_times.clear()
                began = time.perf_counter()
                await asyncio.gather(*(turn_pages(member, message, turns)
                                       for member, message in readers))
                elapsed = time.perf_counter() - began
                await env.settle()
                if len(turn_times) != members * turns:
                    raise RuntimeError(f"{members} members: {len(turn_times)} of "
                                       f"{members * turns} turns reached the edit")
                figures = results[members]
                figures.turn_times = list(turn_times)
                figures.round_times = round_times
                figures.turns_per_s = members * turns / elapsed
    finally:
        await database.close()


# --- the run --------------------------------------------------------------------------------


async def postgres_version(cluster: postgres_server.Cluster) -> str:
    connection = await asyncpg.connect(cluster.url())
    try:
        return (await connection.fetchval("SHOW server_version")).split()[0]
    finally:
        await connection.close()


async def run(folder: Path, cluster: postgres_server.Cluster, plan: Plan
              ) -> dict[str, dict[int, Figures]]:
    results: dict[str, dict[int, Figures]] = {"SQLite": {}, "PostgreSQL": {}}
    for members in MEMBERS:
        target = folder / f"writes-{members}.sqlite3"
        results["SQLite"][members] = await bench_writes(target, members, plan.write_seconds)
        url = await cluster.create_database("bench")
        results["PostgreSQL"][members] = await bench_writes(url, members, plan.write_seconds)
        await cluster.drop_database(url)

    stories = folder / "stories"
    stories.mkdir()
    (stories / f"{STORY}.html").write_bytes(single_html(2_000_000))
    common = {"token": "", "stories_dir": stories, "shard_count": 1, "ao3_links": False}
    await bench_bot(Config(database_path=folder / "bot.sqlite3", **common), plan,
                    results["SQLite"])
    url = await cluster.create_database("bench")
    await bench_bot(Config(database_url=url, **common), plan, results["PostgreSQL"])
    await cluster.drop_database(url)
    return results


def ms(samples: list[float]) -> str:
    """`p50 / p99` in ms."""
    p50 = statistics.median(samples) * 1000
    p99 = percentile(samples, 0.99) * 1000
    return f"{p50:.2f} / {p99:.2f}"


def table(results: dict[str, dict[int, Figures]]) -> str:
    header = (f"{'members':>7}  {'backend':<10}  {'writes/s':>8}  {'write ms p50/p99':>17}  "
              f"{'turn ms p50/p99':>17}  {'round ms p50/p99':>17}  {'turns/s':>7}")
    lines = [header, "-" * len(header)]
    for members in MEMBERS:
        for backend, by_members in results.items():
            f = by_members[members]
            lines.append(
                f"{members:>7}  {backend:<10}  {f.writes_per_s:>8,.0f}  "
                f"{ms(f.write_times):>17}  {ms(f.turn_times):>17}  {ms(f.round_times):>17}  "
                f"{f.turns_per_s:>7,.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (about 20 s)")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    began = time.perf_counter()
    cluster = postgres_server.start(durable=True)
    try:
        version = asyncio.run(postgres_version(cluster))
        print(f"storybot database benchmark — {os.cpu_count()} cores; SQLite "
              f"{sqlite3.sqlite_version} (WAL, synchronous=NORMAL); PostgreSQL {version} "
              f"(fsync on, synchronous_commit=on, pool of {postgres.POOL_SIZE})", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            results = asyncio.run(run(Path(tmp), cluster, plan))
    finally:
        cluster.stop()
    print(f"writes: {plan.write_seconds:g} s a row, each member its own story.  turns: "
          + ", ".join(f"{n} x {k}" for n, k in plan.turns.items())
          + " (members x turns each), one 2 MB story in one channel")
    print("turn: reaction event reaching the reading cog -> edit request leaving.  "
          "round: reaction -> page edited and reaction removed")
    print(table(results))
    print(f"({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
