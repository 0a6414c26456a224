"""The story model: a block gives back exactly the runs it was made from, and never changes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text.story import SCENE_BREAK, Block, BlockKind, Run, Style, paragraph
from tests.strategies import blocks, run_lists


@given(st.sampled_from([BlockKind.PARAGRAPH, BlockKind.HEADING, BlockKind.NOTE]), run_lists())
def test_a_block_gives_back_its_runs_and_text(kind, runs):
    block = Block(kind, runs)
    assert block.runs == tuple(runs)
    assert block.plain == "".join(run.text for run in runs)
    assert Block(kind, runs) == block
    assert hash(Block(kind, runs)) == hash(block)


@given(blocks)
def test_equal_blocks_are_equal_however_they_were_built(block):
    again = Block(block.kind, tuple(block.runs))
    assert again == block and hash(again) == hash(block)
    assert repr(block) == f"Block({block.kind!r}, {block.runs!r})"


def test_a_single_unstyled_run_is_kept_as_its_text():
    block = paragraph("The kettle sang.")
    assert block.unstyled == "The kettle sang."
    assert block.runs == (Run("The kettle sang."),)
    styled = paragraph(Run("The kettle sang.", Style.ITALIC))
    assert styled.unstyled is None
    assert styled.runs == (Run("The kettle sang.", Style.ITALIC),)
    two = paragraph("The kettle ", "sang.")
    assert two.unstyled is None and len(two.runs) == 2


def test_blocks_differ_by_kind_style_and_text():
    text = "A line."
    assert paragraph(text) != Block(BlockKind.HEADING, (Run(text),))
    assert paragraph(text) != paragraph(Run(text, Style.BOLD))
    assert paragraph(text) != paragraph("Another line.")
    assert paragraph(text) != text


def test_a_scene_break_has_no_runs_and_shows_its_mark():
    block = Block(BlockKind.BREAK)
    assert block.runs == () and block.plain == SCENE_BREAK and block.unstyled is None


def test_blocks_cannot_be_changed():
    block = paragraph("Fixed.")
    with pytest.raises(AttributeError):
        block.kind = BlockKind.NOTE
    with pytest.raises(AttributeError):
        block._body = "Changed."
    with pytest.raises(AttributeError):
        del block.kind
    assert block.plain == "Fixed."
