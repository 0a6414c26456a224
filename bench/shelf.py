"""Shelf benchmark: /progress and /stats on a large database.

    python bench/shelf.py [--members 10000] [--stories 1000] [--per-member 100] [--runs 300]

Writes `--stories` small stories, starts the real bot inside SimCord, then fills its database
with progress for `--members` members (each reading `--per-member` of the stories, all in
one server, so the stats tables hold every one of them) with bulk `executemany` inserts, and
prints the latency of `/progress` and `/stats` through SimCord, from the member's command to
the answer (p50, p99). The goal is p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from pathlib import Path

import simcord
from _common import percentiles

from bot import Config, create_bot

PARAGRAPH = ("The lamplighter counted the steps to the harbour wall, as he did every night. "
             "Fog came in off the water in long grey sheets, slow and patient. ") * 6




def write_stories(folder: Path, count: int) -> list[str]:
    folder.mkdir()
    ids = []
    for number in range(count):
        story_id = f"story-{number:04}"
        body = "\n\n".join(f"# Chapter {c}\n\n{PARAGRAPH}\n\n{PARAGRAPH}" for c in (1, 2))
        (folder / f"{story_id}.md").write_text(
            f"---\ntitle: Story {number}\nauthor: Bench\nrating: General Audiences\n---\n\n"
            + body, encoding="utf-8")
        ids.append(story_id)
    return ids


def fill(path: Path, guild_id: int, members: list[int], stories: list[str],
         per_member: int) -> int:
    """Bulk progress, reading activity and bookmarks; returns the progress row count."""
    rng = random.Random(7)
    now = time.time()
    progress, reads = [], []
    for user in members:
        for story in rng.sample(stories, per_member):
            length = 2400
            furthest = rng.randrange(200, length + 1)
            finished = now - 60 if furthest == length or rng.random() < 0.2 else None
            last = now - rng.randrange(0, 90 * 86400)
            words = rng.randrange(0, 400)
            progress.append((user, story, furthest - 200, "", furthest, length, 3, words,
                             last - 3600, last, finished))
            reads.append((guild_id, user, story, words, 3, int(finished is not None), last))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO progress VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", progress)
        # The triggers on guild_reads keep the member and story totals, as in the bot.
        connection.executemany(
            "INSERT INTO guild_reads (guild_id, user_id, story_id, words_read, pages_turned, "
            "finished, last_read_at) VALUES (?, ?, ?, ?, ?, ?, ?)", reads)
        connection.executemany(
            "INSERT INTO stats_optouts (user_id, created_at) VALUES (?, ?)",
            [(user, now) for user in members[::50]])
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        connection.close()
    return len(progress)


async def bench(folder: Path, args: argparse.Namespace) -> None:
    stories = write_stories(folder / "stories", args.stories)
    config = Config(token="", stories_dir=folder / "stories",
                    database_path=folder / "bench.sqlite3")
    bot = create_bot(config)
    async with simcord.run(bot) as env:
        await bot.tree.sync()
        guild = env.create_guild("Bench")
        channel = guild.create_text_channel("reading")
        actors = [guild.add_member(env.create_user(f"reader{n}")) for n in range(20)]
        members = [a.id for a in actors] + [10**17 + n for n in range(args.members - 20)]
        began = time.perf_counter()
        rows = fill(config.database_path, guild.id, members, stories, args.per_member)
        print(f"  generated {rows:,} progress rows for {len(members):,} members and "
              f"{len(stories):,} stories in {time.perf_counter() - began:.1f} s")

        for actor in actors:  # warm: each story's pages are cut once per process
            await actor.slash(channel, "progress")
        progress_times = []
        for run in range(args.runs):
            actor = actors[run % len(actors)]
            began = time.perf_counter()
            result = await actor.slash(channel, "progress", page=1 + run % 3)
            progress_times.append(time.perf_counter() - began)
            assert result.response.embeds, "no shelf"
        print(f"  /progress through SimCord                     {percentiles(progress_times)}")

        stats_times = []
        for run in range(args.runs):
            began = time.perf_counter()
            result = await actors[run % len(actors)].slash(channel, "stats")
            stats_times.append(time.perf_counter() - began)
        fields = {f.name: f.value for f in result.response.embeds[0].fields}
        print(f"  /stats through SimCord                        {percentiles(stats_times)}")
        print(f"  ({fields['This server']})")
    await bot.database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=1_000)
    parser.add_argument("--per-member", type=int, default=100)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"storybot shelf benchmark — {args.members:,} members, {args.stories:,} stories, "
              f"{args.per_member} stories each")
        asyncio.run(bench(Path(tmp), args))


if __name__ == "__main__":
    main()
