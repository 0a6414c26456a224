"""Quote pools: the memorable lines of each story, and picking one at random.

A quote is a complete sentence, or a few whole sentences, from a story paragraph: between
`MIN_CHARS` and `MAX_CHARS` characters (`CJK_MIN_CHARS` to `CJK_MAX_CHARS` in Chinese and
Japanese, where sentences end at `。！？` with no space after), starting at the start of a
sentence and ending at the end of one, with its quotation marks balanced. Thai, Lao and
Khmer mark no sentence ends, so a short paragraph of theirs is quoted whole. Headings,
notes (summaries, author's notes) and scene-break marks are never quoted. A long story
contributes at most `MAX_PER_STORY` quotes, from paragraphs spread over the whole story.
A quote keeps its position (chapter, block, offsets) rather than its formatting;
`render_quote` slices the block's runs and renders them with `render_runs`, which closes
every span, so formatting is always balanced.

A story's pool is made when its text is opened and kept with it; the library's catalogue
keeps each pool's size, so a quote is drawn without opening every story (`pick`).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from array import array
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from itertools import accumulate
from random import Random
from typing import Protocol

from bot.text.markup import render_runs, slice_runs
from bot.text.pagination import Layout
from bot.text.story import BlockKind, Story

MIN_CHARS = 40
MAX_CHARS = 280
#: The most quotes one story contributes (see `StoryPool._scan`).
MAX_PER_STORY = 2000
# Story characters per quote found, measured on generated prose; only sizes the sampling.
_CHARS_PER_QUOTE = 95

def _letter_class(*categories: str) -> str:
    """A regex character class of the Basic Multilingual Plane's characters in `categories`."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)) in categories:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
                   for lo, hi in ranges)


# A quote starts where a sentence starts: at the start of a line, or after terminal
# punctuation and a space, with a capital, a digit, or a letter of a script that has no
# capitals (Arabic, Hebrew, Devanagari, Hangul...), perhaps behind opening quotes, a dash or
# Spanish `¿¡`. It ends, as soon as it is long enough, at terminal punctuation followed by
# the start of another sentence or the end of the line. Short sentences thus join their
# neighbours until the passage is long enough. `“Stop!” Tobin said.` is one sentence, so
# after `!”` or `?”` only the end of the line ends one; `.”` always does. One C-level
# regex does the scanning: a Python loop over every sentence of a 50 MB library would
# take a good part of the time it takes to load it.
_START = f"[{_letter_class('Lu', 'Lt', 'Lo', 'Nd')}]"
_OPEN = r"[\"“‘'«»„‚¿¡(\[—–]*" + _START
_STOP = "[.!?…।؟።။]"  # sentence ends: Latin, Devanagari, Arabic, Ethiopic, Myanmar
_CLOSE = r"[\"”’'»)\]]"
_NOT_ABBREVIATION = (
    r"(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|Mt|vs|Lt|Fr|No)\.)"
    r"(?<!\b(?:Mrs|etc|Col|Gen|Sgt|Rev)\.)(?<!\bProf\.)(?<!\bCapt\.)"
)
_QUOTE = re.compile(
    rf"(?:(?<=^)|(?<={_STOP} )|(?<=\.{_CLOSE} ))"
    r"(?<!\b[A-Z]\. )(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr|Mt|vs|Lt|Fr|No)\. )"
    r"(?<!\b(?:Mrs|etc|Col|Gen|Sgt|Rev)\. )(?<!\bProf\. )(?<!\bCapt\. )"
    + _OPEN
    + rf"[^\n]{{{MIN_CHARS - 3},{MAX_CHARS - 3}}}?"
    r"(?:"
    rf"{_STOP}+" + _NOT_ABBREVIATION + r"[)\]]?(?=\ +" + _OPEN + r"|\n|\Z)"
    rf"|\.{_CLOSE}+(?=\ +" + _OPEN + r")"
    rf"|{_STOP}+{_CLOSE}*(?=\n|\Z)"
    r")",
    re.M,
)

# Chinese and Japanese: no spaces, so a sentence starts right after the end of the one
# before (`。`, `！`, `？`, perhaps behind closing quotes `」』”`) and ends at one of those,
# with its closing quotes. Characters say more than letters do, so the lengths are shorter.
CJK_MIN_CHARS = 12
CJK_MAX_CHARS = 140
_CJK_STOP = "[。！？｡!?…]"
_CJK_CLOSE = "[」』”’）)〕】》〉]"
_CJK_QUOTE = re.compile(
    rf"(?:(?<=^)|(?<={_CJK_STOP})|(?<={_CJK_STOP}{_CJK_CLOSE})|(?<={_CJK_STOP}{_CJK_CLOSE}{{2}}))"
    rf"(?!{_CJK_CLOSE}|{_CJK_STOP}|\s)"
    rf"[^\n]{{{CJK_MIN_CHARS - 1},{CJK_MAX_CHARS - 1}}}?"
    rf"{_CJK_STOP}+{_CJK_CLOSE}*(?!{_CJK_CLOSE}|{_CJK_STOP})",
    re.M,
)
# Han and kana: a paragraph mostly in them is read by the rules above. Korean has spaces
# and Western punctuation and is read like Western text.
_HAN_KANA = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\uffef]")
# Thai, Lao and Khmer mark no sentence ends; a paragraph of a quotable length is the quote.
_UNPUNCTUATED = re.compile("[\u0e00-\u0eff\u1780-\u17ff]")


@dataclass(frozen=True, slots=True)
class Quote:
    """One quotable passage of a story."""

    id: str  # stable across restarts: a hash of story id, offset and text
    story_id: str
    chapter: int  # 0-based
    block: int  # index of the paragraph in its chapter
    lo: int  # plain offsets inside the block
    hi: int
    offset: int  # plain offset of the start in `Story.plain`
    text: str  # plain text


def quote_id(story_id: str, offset: int, text: str) -> str:
    """A short id that stays the same while the story text does."""
    digest = hashlib.blake2b(f"{story_id}\0{offset}\0{text}".encode(), digest_size=6)
    return digest.hexdigest()


def _balanced(text: str) -> bool:
    """Double quotes open and close within the passage (dialogue is not cut in half)."""
    return (text.count("“") == text.count("”") and text.count('"') % 2 == 0
            and text.count("「") == text.count("」") and text.count("『") == text.count("』"))


def is_han_or_kana(plain: str) -> bool:
    """Whether a paragraph is mostly Chinese or Japanese, and quoted by their rules."""
    han = len(_HAN_KANA.findall(plain)) if _HAN_KANA.search(plain) else 0
    return han * 3 >= len(plain) > 0


def _passages(plain: str) -> list[tuple[int, int]]:
    """The spans of a paragraph's quotable passages, by the rules of the script it is in."""
    if is_han_or_kana(plain):
        return [m.span() for m in _CJK_QUOTE.finditer(plain) if _balanced(m.group())]
    found = [m.span() for m in _QUOTE.finditer(plain) if _balanced(m.group())]
    if (not found and MIN_CHARS <= len(plain.strip()) <= MAX_CHARS
            and len(_UNPUNCTUATED.findall(plain)) * 2 >= len(plain)):
        lo = len(plain) - len(plain.lstrip())
        found.append((lo, len(plain.rstrip())))
    return found


class StoryPool:
    """One story's quotes, kept as offsets; `Quote` objects are made when one is picked."""

    __slots__ = ("_folded", "_starts", "block", "chapter", "hi", "lo", "offset", "story")

    def __init__(self, story: Story | None, layout: Layout | None = None) -> None:
        self.story = story
        self.chapter, self.block = array("i"), array("i")
        self.lo, self.hi, self.offset = array("i"), array("i"), array("q")
        self._folded: str | None = None
        self._starts: list[int] = []
        if story is not None:
            self._scan(story, layout or Layout(story))

    def _scan(self, story: Story, layout: Layout) -> None:
        paragraph = BlockKind.PARAGRAPH
        eligible: list[tuple[int, int]] = []
        chars = 0
        for c, (chapter, ch_layout) in enumerate(zip(story.chapters, layout.chapters,
                                                     strict=True)):
            lengths = ch_layout.plain_len
            for b, block in enumerate(chapter.blocks):
                if block.kind is paragraph and lengths[b] >= CJK_MIN_CHARS:
                    eligible.append((c, b))
                    chars += lengths[b]
        # A long story's pool is every `step`-th paragraph's quotes, spread over the whole
        # story: nobody reads thousands of quotes of one story, and scanning them all would
        # cost a long library a good part of its load time.
        step = max(1, -(-chars // (MAX_PER_STORY * _CHARS_PER_QUOTE)))
        for c, b in eligible[::step]:
            starts = layout.chapters[c].plain_start
            plain = story.chapters[c].blocks[b].plain
            for lo, hi in _passages(plain):
                self.chapter.append(c)
                self.block.append(b)
                self.lo.append(lo)
                self.hi.append(hi)
                self.offset.append(starts[b] + lo)
        if len(self) > MAX_PER_STORY:
            keep = [i * len(self) // MAX_PER_STORY for i in range(MAX_PER_STORY)]
            for name in ("chapter", "block", "lo", "hi", "offset"):
                column = getattr(self, name)
                setattr(self, name, array(column.typecode, (column[i] for i in keep)))

    def __len__(self) -> int:
        return len(self.lo)

    def text(self, index: int) -> str:
        block = self.story.chapters[self.chapter[index]].blocks[self.block[index]]
        return block.plain[self.lo[index] : self.hi[index]]

    def quote(self, index: int) -> Quote:
        """The quote at `index`, with its id."""
        text = self.text(index)
        offset = self.offset[index]
        return Quote(quote_id(self.story.id, offset, text), self.story.id, self.chapter[index],
                     self.block[index], self.lo[index], self.hi[index], offset, text)

    def quotes(self) -> list[Quote]:
        return [self.quote(i) for i in range(len(self))]

    def containing(self, phrase: str) -> list[int]:
        """Indexes of the quotes whose text contains `phrase` (case-insensitive)."""
        if self._folded is None:
            # One string searched by str.find beats testing every quote in Python.
            starts, parts, pos = [], [], 0
            for index in range(len(self)):
                starts.append(pos)
                folded = self.text(index).casefold()
                parts.append(folded)
                pos += len(folded) + 1
            self._starts, self._folded = starts, "\0".join(parts)
        needle = phrase.casefold()
        found: list[int] = []
        at = self._folded.find(needle)
        while at != -1:
            index = bisect.bisect_right(self._starts, at) - 1
            if not found or found[-1] != index:
                found.append(index)
            at = self._folded.find(needle, at + 1)
        return found


def story_quotes(story: Story, layout: Layout | None = None) -> list[Quote]:
    """Every quotable passage of a story, in story order; passages never overlap."""
    return StoryPool(story, layout).quotes()


def render_quote(story: Story, quote: Quote) -> str:
    """The quote as Discord markdown, with the story's formatting and every span closed."""
    block = story.chapters[quote.chapter].blocks[quote.block]
    return render_runs(slice_runs(block.runs, quote.lo, quote.hi))


class PoolSource(Protocol):
    """Where `pick` finds quotes: each story's pool size from the catalogue, and its pool,
    which may mean opening its text."""

    def size(self, story_id: str) -> int: ...

    async def pool(self, story_id: str) -> StoryPool: ...


# Random draws tried before falling back to listing what is left: with a tenth of the pool
# left, 32 draws all miss one time in 30.
_DRAWS = 32


async def pick(
    pools: PoolSource,
    rng: Random,
    *,
    story_ids: Iterable[str],
    containing: str | None = None,
    exclude: Collection[str] = frozenset(),
) -> Quote | None:
    """A random quote from the given stories, uniformly over their quotes.

    Without `containing`, a story is drawn by its pool's size and only its pool opened.
    `containing` keeps quotes with that phrase (case-insensitive), which looks through
    every story's pool. `exclude` holds ids not to pick (those already posted). None when
    nothing is left: the caller clears its history and picks again when the pool is used
    up. Only the pool being drawn from is held at a time, so a pick over a large library
    stays within the text cache.
    """
    chosen: list[tuple[str, list[int] | None]] = []
    sizes: list[int] = []
    for sid in story_ids:
        if containing:
            subset = (await pools.pool(sid)).containing(containing)
            size = len(subset)
        else:
            subset, size = None, pools.size(sid)
        if size:
            chosen.append((sid, subset))
            sizes.append(size)
    if not chosen:
        return None
    cumulative = list(accumulate(sizes))
    total = cumulative[-1]

    async def at(n: int) -> Quote | None:
        k = bisect.bisect_right(cumulative, n)
        sid, subset = chosen[k]
        index = n - (cumulative[k - 1] if k else 0)
        pool = await pools.pool(sid)
        index = subset[index] if subset is not None else index
        return pool.quote(index) if index < len(pool) else None

    for _ in range(_DRAWS):
        quote = await at(rng.randrange(total))
        if quote is not None and quote.id not in exclude:
            return quote
    if not exclude:
        return None  # unreachable: a draw from a non-empty pool with no exclusions succeeds
    left: list[tuple[str, int]] = []
    for sid, subset in chosen:
        pool = await pools.pool(sid)
        left.extend((sid, index) for index in (range(len(pool)) if subset is None else subset)
                    if pool.quote(index).id not in exclude)
    if not left:
        return None
    sid, index = rng.choice(left)
    return (await pools.pool(sid)).quote(index)
