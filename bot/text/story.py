"""The story model every parser produces and everything else reads.

A story is metadata plus chapters; a chapter is a sequence of blocks; a block is a paragraph,
a scene break, a heading or a note, made of runs of text that share one inline style.
The model holds plain text and styles, never Discord markdown: rendering is `bot.markup`'s job,
so the same story can be measured, paginated, searched and quoted without re-parsing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from bot.text.ratings import NOT_RATED
from bot.text.words import WordCount, count_words


class StoryError(Exception):
    """A story file that cannot be loaded; the message says why, in words an admin can act on."""


class Style(enum.IntFlag):
    """Inline formatting a run of text carries."""

    NONE = 0
    ITALIC = 1
    BOLD = 2
    UNDERLINE = 4
    STRIKE = 8


class BlockKind(enum.StrEnum):
    PARAGRAPH = "paragraph"
    BREAK = "break"  # a scene break; carries no runs
    HEADING = "heading"  # a heading inside the story text (not the chapter title)
    NOTE = "note"  # author's chapter summary or notes, shown but never quoted


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    style: Style = Style.NONE


class Block:
    """A paragraph, scene break, heading or note: its kind and its runs. Immutable.

    Most paragraphs are one unstyled run, and a library keeps a block per paragraph for as
    long as it runs, so such a block keeps only its text and builds the run when asked:
    that saves a `Run` and a tuple per paragraph, a tenth of a library's memory.
    """

    __slots__ = ("_body", "kind")
    kind: BlockKind
    _body: str | tuple[Run, ...]

    def __init__(self, kind: BlockKind, runs: tuple[Run, ...] = ()) -> None:
        body = runs[0].text if len(runs) == 1 and not runs[0].style else tuple(runs)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "_body", body)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Block is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Block is immutable; cannot delete {name!r}")

    @property
    def runs(self) -> tuple[Run, ...]:
        body = self._body
        return (Run(body),) if isinstance(body, str) else body

    @property
    def unstyled(self) -> str | None:
        """The text, when the block is a single run with no style; otherwise None."""
        body = self._body
        return body if isinstance(body, str) else None

    @property
    def plain(self) -> str:
        """The block's text without formatting; a scene break is the break marker."""
        if self.kind is BlockKind.BREAK:
            return SCENE_BREAK
        body = self._body
        return body if isinstance(body, str) else "".join(run.text for run in body)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Block):
            return NotImplemented
        return self.kind == other.kind and self._body == other._body

    def __hash__(self) -> int:
        return hash((self.kind, self._body))

    def __repr__(self) -> str:
        return f"Block({self.kind!r}, {self.runs!r})"


#: How a scene break appears in plain text and on a page.
SCENE_BREAK = "⁂"

#: Separator between blocks in a chapter's plain text (and on a page).
BLOCK_SEPARATOR = "\n\n"


def paragraph(*runs: Run | str) -> Block:
    """A paragraph block from runs or plain strings; handy for parsers and tests."""
    return Block(BlockKind.PARAGRAPH, tuple(r if isinstance(r, Run) else Run(r) for r in runs))


SCENE_BREAK_BLOCK = Block(BlockKind.BREAK)


@dataclass(frozen=True, slots=True)
class Chapter:
    title: str
    blocks: tuple[Block, ...]

    @property
    def plain(self) -> str:
        return BLOCK_SEPARATOR.join(block.plain for block in self.blocks)


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str
    author: str = ""
    rating: str = NOT_RATED
    warnings: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    fandoms: tuple[str, ...] = ()
    relationships: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    language: str = ""
    series: tuple[str, ...] = ()
    url: str = ""
    published: str = ""  # ISO date as the source gives it
    updated: str = ""
    completed: str = ""
    declared_words: int | None = None  # the source's own count, for comparison only
    declared_chapters: str = ""  # "2/2", "3/?"
    summary: tuple[Block, ...] = ()
    notes: tuple[Block, ...] = ()
    end_notes: tuple[Block, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    """A parsed story. `id` is assigned by the library; parsers leave it empty."""

    meta: Metadata
    chapters: tuple[Chapter, ...]
    id: str = ""
    source: Path | None = None
    warnings: tuple[str, ...] = field(default=())  # non-fatal problems found while parsing

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def plain(self) -> str:
        """The whole story's plain text: chapters joined by the block separator."""
        return BLOCK_SEPARATOR.join(chapter.plain for chapter in self.chapters)

    @property
    def word_count(self) -> WordCount:
        """Words of story text (notes and break marks excluded), as AO3 counts them."""
        total = WordCount()
        for chapter in self.chapters:
            for block in chapter.blocks:
                if block.kind in (BlockKind.PARAGRAPH, BlockKind.HEADING):
                    total += count_words(block.plain)
        return total

    @property
    def words(self) -> int:
        """`word_count.words`: each CJK character counts as a word."""
        return self.word_count.words
