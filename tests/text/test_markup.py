
import pytest
from hypothesis import given, settings

from bot.text.markup import escape, render_block, render_runs, rendered_length, to_plain
from bot.text.story import Block, BlockKind, Run, Style
from tests.helpers import marker_toggles
from tests.strategies import blocks, run_lists, word_aligned_run_lists

ITALIC, BOLD, UNDER, STRIKE = Style.ITALIC, Style.BOLD, Style.UNDERLINE, Style.STRIKE


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([Run("She said "), Run("hello", ITALIC), Run(" twice.")], "She said _hello_ twice."),
        ([Run("un"), Run("believ", ITALIC), Run("able")], "un*believ*able"),
        ([Run("It was "), Run("very ", BOLD), Run("late.")], "It was **very** late."),
        ([Run("a", ITALIC), Run("b", BOLD)], "_a_**b**"),
        ([Run("all", UNDER | BOLD | ITALIC)], "__**_all_**__"),
        ([Run("gone", STRIKE)], "~~gone~~"),
        ([Run("“"), Run("Quiet", ITALIC), Run("”")], "“_Quiet_”"),
        ([Run("snake_case", ITALIC)], "_snake\\_case_"),
        ([Run("ab", ITALIC | BOLD), Run("c", ITALIC)], "_**ab**c_"),
        ([Run("x"), Run("ab", ITALIC | BOLD), Run("c", ITALIC)], "x***ab**c*"),
        ([Run("x", UNDER | ITALIC)], "__*x*__"),
    ],
)
def test_render_runs_examples(runs, expected):
    assert render_runs(runs) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 * 3 = 6", "2 \\* 3 = 6"),
        ("my_file_name", "my\\_file\\_name"),
        ("~tilde~ and `tick`", "\\~tilde\\~ and \\`tick\\`"),
        ("a|b", "a\\|b"),
        ("back\\slash", "back\\\\slash"),
        ("<@123456> hi", "\\<@123456> hi"),
        ("[click](https://x.example)", "[click]\\(https://x.example)"),
        ("> not a quote", "\\> not a quote"),
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("-# not subtext", "\\-# not subtext"),
        ("1. not numbered", "1\\. not numbered"),
        ("line\n> second", "line\n\\> second"),
        ("“Curly” — dashes… and 漢字", "“Curly” — dashes… and 漢字"),
        ("#hashtag and 3.5 and a-b", "#hashtag and 3.5 and a-b"),
        ("<@&456> <#1> <t:0:R> <:e:1>", "\\<@&456> \\<#1> \\<t:0:R> \\<:e:1>"),
        ("@everyone and @here", "\\@everyone and \\@here"),
        ("mail me@example.com", "mail me@example.com"),
        ("see https://example.com/a", "see https://example.com/a"),
    ],
)
def test_escape_examples(text, expected):
    assert escape(text) == expected


def test_rendered_length_counts_everyone_and_here():
    block = Block(BlockKind.PARAGRAPH, (Run("Hi @everyone, @here and @heretic."),))
    assert rendered_length(block) == len(render_block(block))
    assert to_plain(render_block(block)) == "Hi @everyone, @here and @heretic."


def test_space_at_span_edge_moves_outside_markers():
    assert render_runs([Run("A "), Run(" word ", ITALIC), Run("here")]) == "A  _word_ here"


def test_heading_and_note_blocks():
    assert render_block(Block(BlockKind.HEADING, (Run("Part Two"),))) == "**Part Two**"
    note = render_block(Block(BlockKind.NOTE, (Run("Thanks\n\nfor reading"),)))
    assert note == "> Thanks\n>\n> for reading"


@settings(max_examples=300, deadline=None)
@given(run_lists())
def test_render_round_trips_to_plain_text(runs):
    rendered = render_runs(runs)
    assert to_plain(rendered) == "".join(r.text for r in runs)


@settings(max_examples=300, deadline=None)
@given(word_aligned_run_lists())
def test_rendered_spans_are_balanced(runs):
    assert all(n % 2 == 0 for n in marker_toggles(render_runs(runs)).values())


@settings(max_examples=300, deadline=None)
@given(blocks)
def test_rendered_length_matches_rendering(block):
    assert rendered_length(block) == len(render_block(block))


def test_styled_space_at_the_end_of_a_slice_leaves_the_span():
    runs = [Run("Why", ITALIC), Run("?", ITALIC), Run(" ", ITALIC)]
    assert render_runs(runs) == "_Why?_ "
    assert render_runs([Run("a", ITALIC), Run(" ", ITALIC), Run("b", ITALIC)]) == "_a b_"
