import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.markup import to_plain
from bot.text.pagination import DESCRIPTION_LIMIT, Layout, PageIndex, paginate
from bot.text.story import (
    BLOCK_SEPARATOR,
    SCENE_BREAK_BLOCK,
    BlockKind,
    Chapter,
    Metadata,
    Run,
    Story,
    Style,
    paragraph,
)
from tests.helpers import marker_toggles
from tests.strategies import prose_stories, stories

EDGE = " \t\n\r\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f"
page_sizes = st.sampled_from([500, 640, 900, 1800, 4000])


def story_of(*chapters: list) -> Story:
    chapter_tuple = tuple(Chapter(f"C{i}", tuple(c)) for i, c in enumerate(chapters))
    return Story(Metadata("Test"), chapter_tuple)


def sentence(n: int, word: str = "word") -> str:
    return " ".join([word] * n).capitalize() + "."


def check_invariants(story: Story, paged) -> None:
    plain = story.plain
    high = min(DESCRIPTION_LIMIT, paged.page_chars + paged.page_chars // 4)
    for number, page in enumerate(paged.pages, start=1):
        text = paged.text(page)
        assert page.number == number
        assert len(text) <= high <= DESCRIPTION_LIMIT
        # No text lost, duplicated or reordered: the page shows exactly its slice.
        assert to_plain(text) == plain[page.start : page.end].strip(EDGE)
    for index in range(len(story.chapters)):
        pages = paged.chapter_pages(index)
        assert pages and all(p.chapter == index for p in pages)
        layout = paged.layout.chapters[index]
        assert pages[0].start == layout.start
        following = paged.layout.chapters[index + 1 : index + 2]
        assert pages[-1].end == (following[0].start if following else layout.end)
        for before, after in itertools.pairwise(pages):
            assert before.end == after.start
            assert after.start < after.end


@settings(max_examples=250, deadline=None)
@given(stories, page_sizes)
def test_pages_fit_and_cover_the_text_exactly(story, page_chars):
    check_invariants(story, paginate(story, page_chars))


@settings(max_examples=150, deadline=None)
@given(prose_stories, page_sizes)
def test_formatting_is_balanced_on_every_page(story, page_chars):
    paged = paginate(story, page_chars)
    for page in paged.pages:
        text = paged.text(page)
        assert all(n % 2 == 0 for n in marker_toggles(text).values()), text


@settings(max_examples=150, deadline=None)
@given(stories, page_sizes)
def test_pages_end_at_the_best_boundary_available(story, page_chars):
    paged = paginate(story, page_chars)
    low = page_chars // 2
    for page in paged.pages:
        chapter = story.chapters[page.chapter]
        ch_layout = paged.layout.chapters[page.chapter]
        if page is paged.chapter_pages(page.chapter)[-1]:
            continue
        pieces = page.pieces
        lengths = []
        for block, lo, hi in pieces:
            hi = ch_layout.plain_len[block] if hi is None else hi
            lengths.append(len(ch_layout.render(block, lo, hi)))
        prefix = [sum(lengths[:k]) + len(BLOCK_SEPARATOR) * (k - 1) for k in range(1, len(lengths))]
        ends_mid_block = page.hi < ch_layout.plain_len[page.last]
        if ends_mid_block:
            # A paragraph is only cut when no paragraph end gave a page of at least `low`.
            assert not prefix or prefix[-1] < low
        elif chapter.blocks[page.last + 1].kind is not BlockKind.BREAK:
            # A page ends at a plain paragraph only when no scene break was in reach.
            for k, length in enumerate(prefix, start=1):
                block = pieces[k][0]
                assert not (chapter.blocks[block].kind is BlockKind.BREAK and length >= low)


@settings(max_examples=150, deadline=None)
@given(stories, page_sizes, st.data())
def test_page_at_finds_the_page_holding_an_offset(story, page_chars, data):
    paged = paginate(story, page_chars)
    total = len(story.plain)
    offset = data.draw(st.integers(min_value=0, max_value=total))
    page = paged.page_at(offset)
    assert page.start <= offset
    assert offset < page.end or page is paged.pages[-1]


def test_chapters_start_pages_and_short_chapters_are_one_page():
    story = story_of([paragraph("One.")], [paragraph("Two.")], [paragraph("Three.")])
    paged = paginate(story, 500)
    assert [paged.text(p) for p in paged.pages] == ["One.", "Two.", "Three."]
    assert [p.chapter for p in paged.pages] == [0, 1, 2]


def test_page_prefers_a_scene_break_over_a_nearer_paragraph_end():
    blocks = [paragraph(sentence(60)) for _ in range(3)]  # ~360 chars each
    blocks.insert(2, SCENE_BREAK_BLOCK)
    blocks += [paragraph(sentence(60)) for _ in range(6)]
    paged = paginate(story_of(blocks), 900)
    first = paged.text(paged.pages[0])
    # The scene ends after two paragraphs; the break opens the next page.
    assert first.count("\n\n") == 1
    assert paged.text(paged.pages[1]).startswith("⁂")


def test_paragraph_end_preferred_over_sentence_end():
    blocks = [paragraph(sentence(40)) for _ in range(12)]
    paged = paginate(story_of(blocks), 1000)
    for page in paged.pages:
        assert page.lo == 0
        assert page.hi == len(blocks[page.last].plain)


def test_long_paragraph_is_cut_at_sentence_ends():
    text = " ".join(sentence(12, "alpha") for _ in range(200))
    paged = paginate(story_of([paragraph(text)]), 800)
    assert len(paged) > 5
    for page in paged.pages[:-1]:
        assert paged.text(page).endswith(".")


def test_sentence_without_spaces_is_cut_between_words_then_characters():
    words = " ".join(["endless"] * 2000)
    paged = paginate(story_of([paragraph(words)]), 500)
    assert all(paged.text(p).endswith("endless") for p in paged.pages)
    cjk = "永" * 5000
    paged = paginate(story_of([paragraph(cjk)]), 500)
    assert "".join(paged.text(p) for p in paged.pages) == cjk
    assert max(len(paged.text(p)) for p in paged.pages) <= 625


def test_cjk_prose_is_cut_after_full_stops():
    cjk = "春の雨が静かに降っていた。" * 400
    paged = paginate(story_of([paragraph(cjk)]), 500)
    assert all(paged.text(p).endswith("。") for p in paged.pages)


def test_emoji_sequences_and_flags_are_never_split():
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    flag = "\U0001f1eb\U0001f1f7"
    text = (family + flag + "e\u0301") * 600
    paged = paginate(story_of([paragraph(text)]), 500)
    for page in paged.pages:
        body = paged.text(page)
        assert not body.startswith(("\u200d", "\u0301"))
        assert not body.endswith("\u200d")
        assert body.count("\U0001f1eb") == body.count("\U0001f1f7")


def test_italics_cut_across_pages_are_closed_and_reopened():
    runs = (Run("Plain start. "), Run(" ".join(["whispered"] * 600), Style.ITALIC), Run(" end."))
    story = Story(Metadata("T"), (Chapter("", (paragraph(*runs),)),))
    paged = paginate(story, 500)
    assert len(paged) > 3
    for page in paged.pages[1:-1]:
        text = paged.text(page)
        assert text.startswith("_") and text.endswith("_")


def test_no_near_empty_last_page():
    # Enough text for two pages and a sliver: the last two pages share it instead.
    blocks = [paragraph(sentence(30)) for _ in range(11)]
    paged = paginate(story_of(blocks), 1000)
    sizes = [len(paged.text(p)) for p in paged.pages]
    assert len(sizes) >= 2
    assert min(sizes) >= 500


def test_escaped_text_never_breaks_the_limit():
    dense = "*_~|`<" * 3000  # every character doubles when escaped
    paged = paginate(story_of([paragraph(dense)]), 4000)
    assert all(len(paged.text(p)) <= DESCRIPTION_LIMIT for p in paged.pages)
    assert "".join(to_plain(paged.text(p)) for p in paged.pages) == dense


def test_offsets_survive_a_change_of_page_size():
    blocks = [paragraph(sentence(50, f"w{i}")) for i in range(40)]
    story = story_of(blocks)
    layout = Layout(story)
    small, large = paginate(story, 500, layout=layout), paginate(story, 2000, layout=layout)
    for page in small.pages:
        word = story.plain[page.start : page.start + 3]
        assert word in large.text(large.page_at(page.start))


def test_empty_chapter_still_has_a_page():
    story = story_of([paragraph("Before.")], [], [paragraph("After.")])
    paged = paginate(story, 500)
    assert [paged.text(p) for p in paged.pages] == ["Before.", "", "After."]


@pytest.mark.parametrize("size", [499, 4001])
def test_page_size_out_of_range_is_refused(size):
    with pytest.raises(ValueError, match="500-4000"):
        paginate(story_of([paragraph("x")]), size)


@given(stories, st.sampled_from([500, 900, 1800]), st.data())
@settings(max_examples=60, deadline=None)
def test_a_page_index_numbers_every_place_as_the_pages_do(story, page_chars, data):
    paged = paginate(story, page_chars)
    index = PageIndex.from_bytes(paged.index.to_bytes())
    assert len(index) == len(paged.pages)
    length = paged.pages[-1].end
    for offset in data.draw(st.lists(st.integers(-5, length + 5), max_size=20)):
        assert index.number_at(offset) == paged.page_at(offset).number


@pytest.mark.parametrize("data", [b"", b"\x01" * 8, b"\0" * 7,
                                  (0).to_bytes(8, "little") + (9).to_bytes(8, "little")
                                  + (3).to_bytes(8, "little")])
def test_bytes_that_are_not_a_page_index_are_refused(data):
    with pytest.raises(ValueError):
        PageIndex.from_bytes(data)


@given(stories, st.sampled_from([500, 1800]))
@settings(max_examples=40, deadline=None)
def test_a_layout_from_kept_lengths_pages_as_a_measured_one(story, page_chars):
    measured = Layout(story)
    kept = Layout(story, measured.rendered_lengths())
    assert paginate(story, page_chars, layout=kept).pages == paginate(story, page_chars).pages


def test_kept_lengths_for_another_story_are_refused():
    story = story_of([paragraph("One."), paragraph("Two.")])
    with pytest.raises(ValueError):
        Layout(story, Layout(story_of([paragraph("Only.")])).rendered_lengths())
