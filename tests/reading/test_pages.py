
import pytest

from bot.reading.pages import (
    BOOKMARK,
    Action,
    anchor_at,
    goto_chapter,
    goto_page,
    reaction_action,
    relocate,
    turn,
    words_on,
)
from bot.text.pagination import paginate
from bot.text.story import Chapter, Metadata, Story, paragraph


def make_story(chapters: int = 3, paragraphs: int = 12) -> Story:
    return Story(
        Metadata("Tale"),
        tuple(
            Chapter(f"Part {c}", tuple(
                paragraph(f"Chapter {c} paragraph {p}. " + "Words go on and on here. " * 12)
                for p in range(paragraphs)
            ))
            for c in range(1, chapters + 1)
        ),
    )


@pytest.fixture(scope="module")
def paged():
    return paginate(make_story(), 900)


def test_turning_moves_one_page_and_stops_at_the_ends(paged):
    first, last = paged.pages[0], paged.pages[-1]
    assert turn(paged, first.start, Action.PREV) is first
    assert turn(paged, first.start, Action.NEXT) is paged.pages[1]
    assert turn(paged, paged.pages[3].start + 5, Action.NEXT) is paged.pages[4]
    assert turn(paged, first.start, Action.LAST) is last
    assert turn(paged, last.start, Action.NEXT) is last
    assert turn(paged, last.start, Action.FIRST) is first


def test_paging_through_visits_every_page_once(paged):
    seen, position = [], 0
    for _ in range(len(paged.pages) + 3):
        page = paged.page_at(position)
        if not seen or seen[-1] is not page:
            seen.append(page)
        position = turn(paged, position, Action.NEXT).start
    assert seen == paged.pages


def test_goto_page_clamps_and_says_so(paged):
    assert goto_page(paged, 2).page is paged.pages[1] and not goto_page(paged, 2).clamped
    assert goto_page(paged, 0).page is paged.pages[0] and goto_page(paged, 0).clamped
    assert goto_page(paged, 10_000).page is paged.pages[-1] and goto_page(paged, 10_000).clamped
    assert goto_page(paged, -5).clamped


def test_goto_chapter(paged):
    jump = goto_chapter(paged, 2)
    assert jump.page.chapter == 1 and jump.page is paged.chapter_pages(1)[0] and not jump.clamped
    jump = goto_chapter(paged, 2, 2)
    assert jump.page is paged.chapter_pages(1)[1]
    assert goto_chapter(paged, 9).page.chapter == 2 and goto_chapter(paged, 9).clamped
    assert goto_chapter(paged, 1, 99).clamped


def test_reactions_map_to_actions_with_or_without_variation_selector():
    assert reaction_action("▶️") is Action.NEXT
    assert reaction_action("▶") is Action.NEXT
    assert reaction_action("⏮️") is Action.FIRST
    assert reaction_action("🔖") == BOOKMARK
    assert reaction_action("😀") is None


def test_relocate_finds_the_place_after_text_is_inserted_before_it():
    original = make_story().plain
    position = original.index("Chapter 2 paragraph 5.")
    anchor = anchor_at(original, position)
    edited = "A new foreword of some length.\n\n" * 10 + original
    moved = relocate(edited, position, anchor)
    assert edited[moved:].startswith("Chapter 2 paragraph 5.")


def test_relocate_when_text_was_removed_before_it():
    original = make_story().plain
    position = original.index("Chapter 3 paragraph 1.")
    edited = original.replace("Chapter 1 paragraph 0.", "", 1)
    moved = relocate(edited, position, anchor_at(original, position))
    assert edited[moved:].startswith("Chapter 3 paragraph 1.")


def test_relocate_keeps_an_unchanged_place_and_clamps_a_lost_one():
    text = make_story().plain
    assert relocate(text, 500, anchor_at(text, 500)) == 500
    assert relocate("short text", 500, "vanished words that are nowhere") == len("short text")
    assert relocate(text, 40, "") == 40


def test_words_on_a_page_follow_the_story_average(paged):
    total = sum(words_on(paged, page, 10_000) for page in paged.pages)
    assert abs(total - 10_000) <= len(paged.pages)
