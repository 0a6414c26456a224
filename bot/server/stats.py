"""A server's reading stats in words: totals, the most read stories, the top readers."""

from __future__ import annotations

from bot.storage.stats import GuildStats
from bot.text.formatting import inline, number

TITLE_CHARS = 80


def stats_text(stats: GuildStats, titles: dict[str, str]) -> list[tuple[str, str]]:
    """(heading, body) sections for `/stats`; readers appear as mentions (they never ping)."""
    if stats.started == 0:
        return [("Nothing yet", "Nobody has read here yet. Open a story with `/read`.")]
    sections = [(
        "This server",
        f"{number(stats.started)} stories started · {number(stats.finished)} finished · "
        f"{number(stats.words_read)} words read",
    )]
    if stats.stories:
        lines = []
        for rank, story in enumerate(stats.stories, 1):
            title = inline(titles.get(story.story_id, story.story_id), TITLE_CHARS)
            readers = f"{story.readers} reader{'s' if story.readers != 1 else ''}"
            lines.append(f"{rank}. **{title}** — {readers}, {story.finished} finished")
        sections.append(("Most read", "\n".join(lines)))
    if stats.readers:
        lines = []
        for rank, reader in enumerate(stats.readers, 1):
            done = reader.stories_finished
            lines.append(f"{rank}. <@{reader.user_id}> — {number(reader.words_read)} words, "
                         f"{done} stor{'y' if done == 1 else 'ies'} finished")
        sections.append(("Top readers", "\n".join(lines)))
    return sections
