"""The quote pool rules and picking, on original fixtures."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.quotes.pools import (
    CJK_MAX_CHARS,
    CJK_MIN_CHARS,
    MAX_CHARS,
    MAX_PER_STORY,
    MIN_CHARS,
    StoryPool,
    is_han_or_kana,
    pick,
    render_quote,
    story_quotes,
)
from bot.text.markup import to_plain
from bot.text.pagination import Layout
from bot.text.story import (
    SCENE_BREAK_BLOCK,
    Block,
    BlockKind,
    Chapter,
    Metadata,
    Run,
    Story,
    Style,
    paragraph,
)
from tests.strategies import run_lists

LONG = "The ferry crossed the bay before dawn, its lamps swinging over the black water."
DIALOGUE = "“You’re late,” said the ferrywoman, not looking up from her rope."


def make_story(*chapters: tuple[Block, ...], story_id: str = "tide") -> Story:
    return Story(Metadata(title="Tide", author="Ada Moss",
                          summary=(paragraph(LONG),), notes=(paragraph(DIALOGUE),)),
                 tuple(Chapter(f"C{i}", blocks) for i, blocks in enumerate(chapters)),
                 id=story_id)


def texts(story: Story) -> list[str]:
    return [q.text for q in story_quotes(story)]


def test_whole_sentences_and_dialogue_are_quoted():
    story = make_story((paragraph(f"{LONG} {DIALOGUE}"),))
    assert texts(story) == [LONG, DIALOGUE]


def test_headings_notes_breaks_and_metadata_are_never_quoted():
    story = make_story((
        Block(BlockKind.HEADING, (Run(LONG),)),
        Block(BlockKind.NOTE, (Run(DIALOGUE),)),
        SCENE_BREAK_BLOCK,
        paragraph("Nothing here is long."),
    ))
    assert texts(story) == []


def test_short_sentences_join_until_readable_and_long_ones_are_left_out():
    story = make_story((
        paragraph("It rained. It rained again. Then the wind came up from the south."),
        paragraph("A" + " very" * 80 + " long sentence that goes on and on."),
    ))
    assert texts(story) == ["It rained. It rained again. Then the wind came up from the south."]


def test_no_fragment_starts_or_ends_mid_sentence():
    story = make_story((
        paragraph("and then it was over, whatever it had been, and nobody said a word"),
        paragraph("“Stop!” Tobin said, and the whole harbour seemed to stop with him."),
        paragraph("Mr. Hale kept the lighthouse for forty years without a single night off."),
        paragraph("“I came back. I came back for you, whatever they say in the village.”"),
    ))
    found = texts(story)
    assert "Tobin said, and the whole harbour seemed to stop with him." not in found
    assert "“Stop!” Tobin said, and the whole harbour seemed to stop with him." in found
    assert "Hale kept the lighthouse for forty years without a single night off." not in found
    assert "Mr. Hale kept the lighthouse for forty years without a single night off." in found
    assert all(not t.startswith("and") for t in found)
    assert all(t.count("“") == t.count("”") for t in found)


def test_offsets_point_into_the_story_text_and_ids_are_stable():
    story = make_story((paragraph(LONG), SCENE_BREAK_BLOCK, paragraph(f"{DIALOGUE} {LONG}")),
                       (paragraph(LONG),))
    quotes = story_quotes(story)
    plain = story.plain
    for quote in quotes:
        assert plain[quote.offset : quote.offset + len(quote.text)] == quote.text
    assert [q.chapter for q in quotes] == [0, 0, 0, 1]
    assert [q.id for q in quotes] == [q.id for q in story_quotes(story)]
    assert len({q.id for q in quotes}) == len(quotes)  # the same text twice differs by offset


def test_formatting_stays_balanced():
    story = make_story((Block(BlockKind.PARAGRAPH, (
        Run("The storm broke over the harbour at "), Run("exactly midnight. Nobody ", Style.ITALIC),
        Run("slept that night, not even the old keeper in his tower."),
    )),))
    (first, second) = story_quotes(story)
    assert render_quote(story, first) == "The storm broke over the harbour at _exactly midnight._"
    assert render_quote(story, second).startswith("_Nobody_ slept")


def test_mentions_in_the_text_are_escaped():
    story = make_story((paragraph("Then <@123> and @everyone were asked to the harbour at dawn."),))
    (quote,) = story_quotes(story)
    assert render_quote(story, quote).startswith("Then \\<@123>")


@settings(max_examples=150, deadline=None)
@given(st.lists(run_lists(), min_size=1, max_size=4))
def test_property_quotes_are_in_range_and_render_back_to_their_text(paragraph_runs):
    story = make_story(tuple(Block(BlockKind.PARAGRAPH, runs) for runs in paragraph_runs))
    for quote in story_quotes(story):
        block = story.chapters[quote.chapter].blocks[quote.block].plain
        low, high = ((CJK_MIN_CHARS, CJK_MAX_CHARS) if is_han_or_kana(block)
                     else (MIN_CHARS, MAX_CHARS))
        assert low <= len(quote.text) <= high
        assert story.plain[quote.offset : quote.offset + len(quote.text)] == quote.text
        rendered = render_quote(story, quote)
        assert " ".join(to_plain(rendered).split()) == " ".join(quote.text.split())


def test_a_long_story_contributes_a_capped_pool_spread_over_it():
    blocks = tuple(paragraph(f"{LONG} {DIALOGUE}") for _ in range(3000))
    story = make_story(blocks[:1500], blocks[1500:])
    pool = StoryPool(story, Layout(story))
    assert len(pool) == MAX_PER_STORY
    assert {pool.chapter[0], pool.chapter[len(pool) - 1]} == {0, 1}


class Pools:
    """Stories' pools in memory, as `pick` asks for them, noting which it opened."""

    def __init__(self, stories: list[Story]) -> None:
        self._pools = {s.id: StoryPool(s, Layout(s)) for s in stories}
        self.opened: list[str] = []

    def size(self, sid: str) -> int:
        return len(self._pools[sid]) if sid in self._pools else 0

    async def pool(self, sid: str) -> StoryPool:
        self.opened.append(sid)
        return self._pools[sid]


def pools_of(count: int, per_story: int = 10) -> Pools:
    stories = []
    for n in range(count):
        blocks = tuple(paragraph(f"Story {n} line {k}: {LONG}") for k in range(per_story))
        stories.append(make_story(blocks, story_id=f"s{n}"))
    return Pools(stories)


async def test_pick_uses_every_quote_once_before_repeating():
    pools = pools_of(3)
    rng = random.Random(5)
    ids = ["s0", "s1", "s2"]
    seen: set[str] = set()
    for _ in range(30):
        quote = await pick(pools, rng, story_ids=ids, exclude=seen)
        assert quote is not None and quote.id not in seen
        seen.add(quote.id)
    assert await pick(pools, rng, story_ids=ids, exclude=seen) is None


async def test_pick_filters_by_story_and_phrase():
    pools = pools_of(3)
    rng = random.Random(1)
    assert {(await pick(pools, rng, story_ids=["s1"])).story_id for _ in range(20)} == {"s1"}
    quote = await pick(pools, rng, story_ids=["s0", "s1", "s2"], containing="STORY 2 LINE 7")
    assert quote.text.startswith("Story 2 line 7")
    assert await pick(pools, rng, story_ids=["s0"], containing="no such words") is None
    assert await pick(pools, rng, story_ids=["missing"]) is None


async def test_a_pick_opens_only_the_story_it_draws_from():
    pools = pools_of(50)
    quote = await pick(pools, random.Random(3), story_ids=[f"s{n}" for n in range(50)])
    assert pools.opened == [quote.story_id]


async def test_pick_is_uniform_over_quotes_not_over_stories():
    big = tuple(paragraph(f"Line {k}: {LONG}") for k in range(90))
    small = (paragraph(f"Only line: {LONG}"),) * 10
    pools = Pools([make_story(big, story_id="big"), make_story(small, story_id="small")])
    rng = random.Random(8)
    drawn = [(await pick(pools, rng, story_ids=["big", "small"])).story_id for _ in range(2000)]
    assert 0.86 < drawn.count("big") / len(drawn) < 0.94  # 90 of its 100 quotes


async def test_pick_from_a_large_pool_skips_what_was_posted():
    # Its speed is measured by bench/quotes.py; here, that it stays correct at size.
    pools = pools_of(100, per_story=1000)
    ids = [f"s{n}" for n in range(100)]
    rng = random.Random(2)
    exclude = {(await pick(pools, rng, story_ids=ids)).id for _ in range(1000)}
    for _ in range(2000):
        quote = await pick(pools, rng, story_ids=ids, exclude=exclude)
        assert quote is not None and quote.id not in exclude


# -- every script ------------------------------------------------------------------------------

ZH = (
    "渡船在天亮之前穿过了海湾，灯笼在黑色的水面上摇晃。",
    "“你来晚了。”摆渡的女人说，没有抬头看她手里的绳子。",
    "雾从水面上一层一层地漫过来，缓慢，耐心，没有尽头。",
    "村里没有人记得是谁建了灯塔，只记得是谁守着它！",
)
JA = (
    "渡し船は夜明け前に湾を渡り、ランプが黒い水の上で揺れていた。",
    "「遅かったね」と渡し守の女は縄から目を上げずに言った。",
    "霧は水の上から長い灰色の布のように流れ込んできた。",
    "灯台を建てたのが誰なのか、村の誰も覚えていなかった？",
)
PARAGRAPHS = {
    "zh": "".join(ZH),
    "ja": "".join(JA),
    "ru": "Паром пересёк залив до рассвета, и фонари качались над чёрной водой. "
          "Никто в деревне не помнил, кто построил маяк, помнили только, кто его хранил.",
    "el": "Το πλοίο διέσχισε τον κόλπο πριν από την αυγή, με τα φανάρια να κουνιούνται. "
          "Κανείς στο χωριό δεν θυμόταν ποιος έχτισε τον φάρο, μόνο ποιος τον φύλαγε.",
    "es": "¿Quién había construido el faro en la punta del muelle viejo? "
          "¡Nadie en el pueblo lo recordaba, solo quién lo había cuidado tantos años!",
    "ar": "عبرت العبارة الخليج قبل الفجر، وكانت مصابيحها تتأرجح فوق الماء الأسود. "
          "لم يتذكر أحد في القرية من بنى المنارة، بل من حرسها فقط.",
    "he": "המעבורת חצתה את המפרץ לפני עלות השחר, והפנסים שלה התנדנדו מעל המים השחורים. "
          "איש בכפר לא זכר מי בנה את המגדלור, רק מי שמר עליו.",
    "hi": "नाव सुबह होने से पहले खाड़ी के पार चली गई और उसकी लालटेनें काले पानी पर झूलती रहीं। "
          "गाँव में किसी को याद नहीं था कि प्रकाशस्तंभ किसने बनाया था।",
    "ko": "나룻배는 새벽이 오기 전에 만을 건넜고, 등불이 검은 물 위에서 흔들렸다. "
          "마을의 누구도 등대를 누가 지었는지 기억하지 못했다.",
    "th": "เรือข้ามฟากแล่นข้ามอ่าวก่อนรุ่งสาง ตะเกียงแกว่งไปมาเหนือน้ำสีดำ",
}


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_a_few_paragraphs_of_prose_in_any_script_give_quotes(language):
    story = make_story(tuple(paragraph(PARAGRAPHS[language]) for _ in range(3)))
    quotes = story_quotes(story)
    assert quotes, f"no quotes from {language} prose"
    for quote in quotes:
        assert quote.text.strip() == quote.text and quote.text in PARAGRAPHS[language]


@pytest.mark.parametrize("sentences", [ZH, JA], ids=["zh", "ja"])
def test_chinese_and_japanese_quotes_are_whole_sentences_with_their_quotation_marks(sentences):
    story = make_story((paragraph("".join(sentences)),))
    quotes = texts(story)
    assert quotes
    for text in quotes:
        assert CJK_MIN_CHARS <= len(text) <= CJK_MAX_CHARS
        # Each quote is a run of whole sentences: it starts where one starts, ends where
        # one ends, and so never splits a dialogue line from its closing mark.
        assert any(text.startswith(s) for s in sentences)
        assert any(text.endswith(s) for s in sentences)
        assert text.count("「") == text.count("」") and text.count("“") == text.count("”")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(ZH + JA), min_size=1, max_size=12))
def test_property_cjk_quotes_start_and_end_at_sentence_boundaries(picked):
    text = "".join(picked)
    bounds = {0}
    for sentence in picked:
        bounds.add(max(bounds) + len(sentence))
    story = make_story((paragraph(text),))
    for quote in story_quotes(story):
        assert quote.lo in bounds and quote.hi in bounds


def test_western_punctuation_rules_do_not_quote_a_thai_paragraph_that_is_too_long():
    story = make_story((paragraph(PARAGRAPHS["th"] * 8),))
    assert texts(story) == []
