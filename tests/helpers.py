"""What the tests share: original story text, SimCord readers' helpers, restarts."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from bot import Config, create_bot
from bot.library.catalogue import Library, Text
from bot.storage.database import Database
from bot.text.markup import to_plain

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


def write_small_library(folder: Path) -> Path:
    """Three original stories: a general one in chapters, a mature one, a short teen one."""
    folder.mkdir(parents=True, exist_ok=True)
    write_story(folder, "lantern", title="The Lantern Keeper", rating="General Audiences",
                chapters=3, paragraphs=6)
    write_story(folder, "night-watch", title="Night Watch", rating="Mature", chapters=1,
                paragraphs=4, author="Ines Rook")
    write_story(folder, "short", title="A Short One", rating="Teen", chapters=1, paragraphs=1,
                author="Pip")
    return folder


async def restart(env, config: Config):
    """What a process restart looks like: a fresh bot on the same database and library."""
    old = env.bot
    await env.restart_bot(create_bot(config))
    await old.database.close()
    await env.bot.tree.sync()
    await env.bot.services.catalogue.rebuilt()
    return env.bot


def footer(message: discord.Message) -> str:
    return message.embeds[0].footer.text or ""


def page_number(message: discord.Message) -> int:
    """The n in `page n/N` of a page embed's footer."""
    text = footer(message)
    return int(text.split("page ", 1)[1].split("/", 1)[0])


def custom_ids(message: discord.Message) -> list[str]:
    ids = []
    for row in message.components:
        for child in getattr(row, "children", [row]):
            if getattr(child, "custom_id", None):
                ids.append(child.custom_id)
    return ids


def button(message: discord.Message, prefix: str) -> str:
    """The custom id of the control whose id starts with `prefix` (e.g. `sb:nav:next`)."""
    matches = [cid for cid in custom_ids(message) if cid.startswith(prefix)]
    assert matches, f"no {prefix} control in {custom_ids(message)}"
    return matches[0]


def total_pages(message: discord.Message) -> int:
    return int(footer(message).split("page ", 1)[1].split("/", 1)[1].split(" ", 1)[0])


def latest(channel, viewer=None) -> discord.Message:
    return channel.history(viewer=viewer)[-1]


async def stored_progress(config, user_id: int, story_id: str):
    database = await Database.open(config.database)
    try:
        return await database.progress.get(user_id, story_id)
    finally:
        await database.close()


def find(channel, message_id: int) -> discord.Message:
    return next(m for m in channel.history() if m.id == message_id)

MINUTE = 60

HOUR = 3600


def posts(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.embeds and m.author.bot]


def quote_text(message: discord.Message) -> str:
    return to_plain(message.embeds[0].description.rsplit("\n\n— ", 1)[0])


async def admin_of(env, guild):
    role = guild.create_role("mods", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("mod"), roles=[role])


async def schedule(env, guild, channel, **options):
    mod = await admin_of(env, guild)
    result = await mod.slash(channel, "quotes schedule", channel=channel, **options)
    assert result.ephemeral
    assert "Schedule #" in result.response.content, result.response.content
    return result


async def fast_forward(env, seconds: float) -> None:
    """Time passing while the bot is down: the loop does not run meanwhile."""
    env.bot.get_cog("Quotes").ticker.cancel()
    await env.advance_time(seconds)


def marker_toggles(markdown: str) -> dict[str, int]:
    """Count opening/closing markers per style in rendered markdown, escapes removed."""
    bare = re.sub(r"\\.", "x", markdown, flags=re.S)
    counts = {"italic": 0, "bold": 0, "underline": 0, "strike": 0}
    for run in re.findall(r"\*+|_+|~~", bare):
        if run == "~~":
            counts["strike"] += 1
        elif run[0] == "*":
            counts["italic"] += len(run) in (1, 3)
            counts["bold"] += len(run) in (2, 3)
        else:
            counts["italic"] += len(run) in (1, 3)
            counts["underline"] += len(run) in (2, 3)
    return counts


async def turn(member, channel, times: int, emoji: str = "▶️") -> discord.Message:
    """React `times` times on the channel's latest message; the latest message after."""
    message = latest(channel)
    for _ in range(times):
        await member.react(message, emoji)
    return latest(channel)


def held(library: Library, story_id: str) -> Text:
    """The text a library loaded whole (`Library.load`) holds for a story."""
    text = library.entry(story_id).text
    assert text is not None, f"{story_id} is not held"
    return text


def edited_answer(result) -> str:
    """An answer's text as last edited (one deferred, or answered at once then edited)."""
    message = result.response.message if result.response else None
    return message.content if message is not None else ""


def answer_embed(result) -> str:
    """The description of an answer's first embed."""
    return result.response.embeds[0].description or ""


def listing_lines(result) -> list[str]:
    """The stories of a `/library` answer, one entry each."""
    return answer_embed(result).split("\n\n")[1:]
