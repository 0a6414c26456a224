"""The stats text: totals, the most read stories, the top readers."""

from bot.server.stats import stats_text
from bot.storage.stats import GuildStats, ReaderTotal, StoryTotal


def test_stats_text_ranks_and_formats():
    stats = GuildStats(12, 3, 45_678, [StoryTotal("tale", 4, 2, 9000)],
                       [ReaderTotal(42, 12_345, 3, 1)])
    sections = dict(stats_text(stats, {"tale": "A Tale"}))
    assert sections["This server"] == "12 stories started · 3 finished · 45,678 words read"
    assert sections["Most read"] == "1. **A Tale** — 4 readers, 2 finished"
    assert sections["Top readers"] == "1. <@42> — 12,345 words, 1 story finished"


def test_stats_text_when_nothing_was_read():
    assert stats_text(GuildStats(0, 0, 0, [], []), {})[0][0] == "Nothing yet"
