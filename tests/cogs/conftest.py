"""SimCord fixtures: the real bot on a temporary library and database."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot import Config, create_bot

SENTENCES = (
    "The lamplighter counted the steps to the harbour wall, as he did every night.",
    "“You’re late,” said the ferrywoman, not looking up from her rope.",
    "Fog came in off the water in long grey sheets — slow, patient, endless.",
    "Nobody in the village remembered who had built the lighthouse, only who had kept it.",
    "She folded the letter twice and put it in the pocket nearest her heart.",
    "Somewhere below, the tide turned over the stones with a sound like breathing.",
)


def prose(seed: int, paragraphs: int) -> str:
    out = []
    for p in range(paragraphs):
        sentences = [SENTENCES[(seed + p + k) % len(SENTENCES)] for k in range(4)]
        out.append(f"Paragraph {seed}.{p}. " + " ".join(sentences))
    return "\n\n".join(out)


def write_story(folder: Path, name: str, *, title: str, rating: str, chapters: int,
                paragraphs: int, author: str = "Hollis Vane") -> None:
    body = "\n\n".join(
        f"# Chapter {c} Title\n\n{prose(c, paragraphs)}" for c in range(1, chapters + 1)
    )
    front = (f"---\ntitle: {title}\nauthor: {author}\nrating: {rating}\n"
             f"fandoms: [Original Work]\nsummary: A test story.\n---\n\n")
    (folder / f"{name}.md").write_text(front + body, encoding="utf-8")


@pytest.fixture
def stories_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir()
    write_story(folder, "lantern", title="The Lantern Keeper", rating="General Audiences",
                chapters=3, paragraphs=6)
    write_story(folder, "night-watch", title="Night Watch", rating="Mature", chapters=1,
                paragraphs=4, author="Ines Rook")
    write_story(folder, "short", title="A Short One", rating="Teen", chapters=1, paragraphs=1,
                author="Pip")
    return folder


@pytest.fixture
def config(tmp_path: Path, stories_dir: Path) -> Config:
    return Config(token="", stories_dir=stories_dir, database_path=tmp_path / "bot.sqlite3",
                  page_chars=500)


@pytest.fixture
def simcord_bot(config: Config):
    return create_bot(config)


@pytest.fixture
async def env(simcord_env):
    await simcord_env.bot.tree.sync()
    yield simcord_env
    # SimCord detaches bots without calling close(); an open aiosqlite connection would keep
    # its worker thread, and the test run, alive.
    await simcord_env.bot.database.close()


async def restart(env, config: Config):
    """What a process restart looks like: a fresh bot on the same database and library."""
    old = env.bot
    await env.restart_bot(create_bot(config))
    await old.database.close()
    await env.bot.tree.sync()
    return env.bot


@pytest.fixture
def guild(env):
    return env.create_guild("Reading Room")


@pytest.fixture
def channel(guild):
    return guild.create_text_channel("reading")


@pytest.fixture
def alice(env, guild):
    return guild.add_member(env.create_user("alice"))


@pytest.fixture
def bob(env, guild):
    return guild.add_member(env.create_user("bob"))


def footer(message: discord.Message) -> str:
    return message.embeds[0].footer.text or ""


def page_number(message: discord.Message) -> int:
    """The n in `page n/N` of a page embed's footer."""
    text = footer(message)
    return int(text.split("page ", 1)[1].split("/", 1)[0])
