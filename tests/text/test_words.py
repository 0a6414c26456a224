"""Word counts as AO3 makes them, and reading time, in every script."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reading.footer import footer, minutes_left
from bot.text.pagination import paginate
from bot.text.story import Chapter, Metadata, Story, paragraph
from bot.text.words import CJK_CHARS_PER_MINUTE, WORDS_PER_MINUTE, WordCount, count_words


@pytest.mark.parametrize(
    ("text", "words", "cjk"),
    [
        ("The ferry left at dawn.", 5, 0),
        # AO3 drops apostrophes and hyphens first: one word each.
        ("Don’t tell the well-known keeper.", 5, 0),
        # A dash is no word; words joined by one are two.
        ("She waited — and waited—and left.", 6, 0),
        ("他们在港口等了三天，直到那艘灰色的帆船终于靠岸。", 22, 22),
        ("雨が降っていた。カモメは鳴かなかった。", 17, 17),
        ("항구에 비가 내렸다.", 8, 8),
        ("第3章 ferry 船", 5, 3),
        ("", 0, 0),
        ("— … ——", 0, 0),
    ],
)
def test_words_are_counted_as_ao3_counts_them(text, words, cjk):
    assert count_words(text) == WordCount(words, cjk)


latin_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÀÉîøü0123456789", min_size=1,
                     max_size=12)


@given(st.lists(latin_word, max_size=60), st.sampled_from([" ", "\n", "  ", "\t", ", "]))
def test_spaced_words_count_once_each(words, gap):
    assert count_words(gap.join(words)).words == len(words)


@given(st.text(alphabet="的一是不了人我在有他这为之大来以个中上们ひらがなカタカナ한국어",
               max_size=200),
       st.sampled_from(["", "，", "。", " ", "「」"]))
def test_each_cjk_character_is_a_word_and_punctuation_is_not(text, punctuation):
    mixed = punctuation.join(text)
    assert count_words(mixed) == WordCount(len(text), len(text))


def test_reading_time_uses_characters_per_minute_for_cjk_text():
    assert WordCount(2380, 0).minutes == pytest.approx(10)
    assert WordCount(3000, 3000).minutes == pytest.approx(3000 / CJK_CHARS_PER_MINUTE)
    assert WordCount(238 + 300, 300).minutes == pytest.approx(
        1 + 300 / CJK_CHARS_PER_MINUTE)
    assert WORDS_PER_MINUTE == 238


def test_story_words_leave_notes_and_breaks_out():
    from bot.text.story import SCENE_BREAK_BLOCK, Block, BlockKind, Run

    note = Block(BlockKind.NOTE, (Run("An author's note of many words here."),))
    story = Story(Metadata("T"), (Chapter("", (note, paragraph("三个字"), SCENE_BREAK_BLOCK,
                                               paragraph("two words"))),))
    assert story.word_count == WordCount(5, 3)
    assert story.words == 5


def test_a_chinese_story_footer_gives_minutes_from_its_characters():
    sentence = "他们在港口等了三天，直到那艘灰色的帆船终于靠岸。"
    story = Story(Metadata("帆"), (Chapter("", tuple(paragraph(sentence * 4)
                                                     for _ in range(150))),))
    count = story.word_count
    assert count.words == count.cjk == 22 * 4 * 150
    paged = paginate(story, 1000)
    first = paged.pages[0]
    expected = math.ceil(count.minutes * (1 - first.end / paged.layout.chapters[-1].end))
    assert footer(paged, first, count.minutes).endswith(f"~{expected} min left")
    assert expected == minutes_left(first.end, paged.layout.chapters[-1].end, count.minutes)
    # At 238 words a minute the same story would read 26% longer.
    assert count.minutes < count.words / WORDS_PER_MINUTE
