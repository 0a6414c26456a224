"""Cutting a story into pages that fit a Discord embed and end at good places.

Every page is at most `limit` characters of rendered markdown (4096, an embed description),
and aims at `page_chars`. Where a page ends, in order of preference: the end of a chapter
(chapters always start a page), before a scene break, the end of a paragraph, the end of a
sentence, between words, between characters. A page is never shorter than half the target
unless its chapter is, so chapters do not end on a near-empty page.

Pages are addressed by plain-text character offsets into `Story.plain`, so a reader's place
survives a change of page size. A page records only where it starts and ends; its text is
rendered on demand, which keeps a paginated library about the size of the story text.

The lengths every page decision needs are worked out once per story (`Layout`), so cutting
pages is a few binary searches per page whatever the size of the chapter.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, pairwise

from bot.text.markup import render_block, rendered_length, slice_runs
from bot.text.story import BLOCK_SEPARATOR, Block, BlockKind, Run, Story

DESCRIPTION_LIMIT = 4096
DEFAULT_PAGE_CHARS = 1800
MIN_PAGE_CHARS = 500
MAX_PAGE_CHARS = 4000

_SEP = len(BLOCK_SEPARATOR)

# Whitespace a line may break at; no-break spaces hold their words together.
_SPACE = "[^\\S\u00a0\u2007\u202f]"
_WORD_BREAK = re.compile(f"{_SPACE}+|(?<=[—–])")
# A sentence's end is looked for from the first mark of a run only: from every mark of a long
# run of them, each search would go through the rest of the run.
_SENTENCE_END = re.compile(
    f"(?<![.!?…])[.!?…]+[\"'”’»)\\]]*{_SPACE}+|[。！？．]+[」』”’）)]*{_SPACE}*"
    f"|[;:]{_SPACE}+(?=[“\"])"
)
_EDGE_SPACE = " \t\n\r\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f"


def _plain_length(block: Block) -> int:
    return len(block.plain)


class ChapterLayout:
    """One chapter's block lengths and their running sums."""

    __slots__ = (
        "_run_starts", "blocks", "breaks", "plain_len", "plain_start", "rendered_len", "run_len",
        "start",
    )  # fmt: skip

    def __init__(self, blocks: tuple[Block, ...], start: int,
                 rendered: array | None = None) -> None:
        # Machine-integer arrays: a list of Python ints costs four times the memory, and a
        # library keeps one of these per chapter for as long as it runs.
        self.blocks = blocks
        self.plain_len = array("q", (_plain_length(b) for b in blocks))
        self.rendered_len = (rendered if rendered is not None
                             else array("q", (rendered_length(b) for b in blocks)))
        # run_len[i]: rendered length of blocks[:i], each followed by a separator.
        self.run_len = array("q", [0])
        self.run_len.extend(accumulate(n + _SEP for n in self.rendered_len))
        self.start = start
        starts = accumulate((n + _SEP for n in self.plain_len[:-1]), initial=start)
        self.plain_start = array("q", starts if blocks else ())
        self.breaks = array("q", (i for i, b in enumerate(blocks) if b.kind is BlockKind.BREAK))
        # Where each run starts, for the blocks of many runs that pages cut (see `_slice`).
        self._run_starts: dict[int, array[int]] | None = None

    @property
    def end(self) -> int:
        """Plain offset where the chapter's text ends."""
        if not self.blocks:
            return self.start
        return self.plain_start[-1] + self.plain_len[-1]

    def render(self, index: int, lo: int, hi: int) -> str:
        """Markdown for plain offsets [lo, hi) of a block; a cut edge loses its whitespace."""
        block = self.blocks[index]
        whole = self.plain_len[index]
        if lo == 0 and hi >= whole:
            return render_block(block)
        text = render_block(block, self._slice(index, lo, hi))
        if lo > 0:
            text = text.lstrip(_EDGE_SPACE)
        if hi < whole:
            text = text.rstrip(_EDGE_SPACE)
        return text

    def text(self, index: int, lo: int, hi: int) -> str:
        """The plain text of block `index` between offsets `lo` and `hi`."""
        text = self.blocks[index].unstyled
        if text is not None:
            return text[lo:hi]
        return "".join(run.text for run in self._slice(index, lo, hi))

    def _slice(self, index: int, lo: int, hi: int) -> tuple[Run, ...]:
        """The runs of block `index` covering plain offsets [lo, hi).

        A long paragraph of many styled runs is cut into many pages; finding each page's runs
        by a walk from the first run would make cutting it quadratic, so where the runs
        start is worked out once per block and searched.
        """
        runs = self.blocks[index].runs
        if len(runs) < 32:
            return slice_runs(runs, lo, hi)
        if self._run_starts is None:
            self._run_starts = {}
        starts = self._run_starts.get(index)
        if starts is None:
            lengths = (len(run.text) for run in runs)
            starts = self._run_starts[index] = array("q", accumulate(lengths, initial=0))
        first = bisect.bisect_right(starts, lo) - 1
        last = bisect.bisect_left(starts, hi)
        return slice_runs(runs[first:last], lo - starts[first], hi - starts[first])

    def length_from(self, index: int, lo: int, high: int) -> int:
        """Rendered length of block `index` from plain offset `lo`.

        Exact unless it is clearly over `high`: rendering the rest of a huge paragraph for
        every page would make cutting it quadratic, and such a rest never fits anyway.
        """
        if not lo:
            return self.rendered_len[index]
        plain = self.plain_len[index]
        estimate = -(-self.rendered_len[index] * (plain - lo) // max(plain, 1))
        if estimate > 2 * high + 64:
            return estimate
        return len(self.render(index, lo, plain))


class Layout:
    """The lengths pagination needs for a whole story, independent of page size."""

    def __init__(self, story: Story, rendered: array | None = None) -> None:
        """`rendered`, when given, is `rendered_lengths()` of an earlier layout of the same
        story: rendering every block to measure it is most of the cost of a layout.
        ValueError when it does not have one length per block."""
        blocks = sum(len(chapter.blocks) for chapter in story.chapters)
        if rendered is not None and len(rendered) != blocks:
            raise ValueError(f"{len(rendered)} rendered lengths for {blocks} blocks")
        self.chapters: list[ChapterLayout] = []
        start = at = 0
        for chapter in story.chapters:
            count = len(chapter.blocks)
            lengths = rendered[at:at + count] if rendered is not None else None
            layout = ChapterLayout(chapter.blocks, start, lengths)
            self.chapters.append(layout)
            start = layout.end + _SEP
            at += count

    def rendered_lengths(self) -> array:
        """Every block's rendered length, chapter after chapter (typecode "q")."""
        lengths = array("q")
        for chapter in self.chapters:
            lengths.extend(chapter.rendered_len)
        return lengths


def _is_flag_half(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _can_cut_before(text: str, i: int) -> bool:
    """Whether a cut between text[i-1] and text[i] keeps every visible character whole."""
    if i <= 0 or i >= len(text):
        return True
    nxt, prev = text[i], text[i - 1]
    if nxt in "\u200d\ufe0f\ufe0e" or prev == "\u200d" or unicodedata.combining(nxt):
        return False
    if "\U0001f3fb" <= nxt <= "\U0001f3ff":  # skin tone modifiers
        return False
    if _is_flag_half(nxt) and _is_flag_half(prev):
        # Flags are pairs of regional indicators: cut only after an even number of them.
        run = 0
        while i - 1 - run >= 0 and _is_flag_half(text[i - 1 - run]):
            run += 1
        return run % 2 == 0
    return True


@dataclass(frozen=True, slots=True)
class Page:
    """A page: blocks `first`..`last` of a chapter, the first from plain offset `lo`
    and the last up to `hi` (offsets within those blocks)."""

    number: int  # 1-based, across the whole story
    chapter: int  # 0-based chapter index
    start: int  # plain offset into Story.plain, inclusive
    end: int  # plain offset, exclusive
    first: int
    lo: int
    last: int
    hi: int

    @property
    def pieces(self) -> list[tuple[int, int, int | None]]:
        """(block, lo, hi) for each block on the page; hi None means to the block's end."""
        out: list[tuple[int, int, int | None]] = []
        for index in range(self.first, self.last + 1):
            lo = self.lo if index == self.first else 0
            hi = self.hi if index == self.last else None
            out.append((index, lo, hi))
        return out


class _Paginator:
    def __init__(self, page_chars: int, limit: int) -> None:
        if not MIN_PAGE_CHARS <= page_chars <= MAX_PAGE_CHARS:
            raise ValueError(f"page size must be {MIN_PAGE_CHARS}-{MAX_PAGE_CHARS} characters")
        self.target = page_chars
        self.high = min(limit, page_chars + page_chars // 4)
        self.low = page_chars // 2

    def chapter(self, ch: ChapterLayout) -> list[tuple[int, int, int, int]]:
        """Pages of one chapter as (first block, lo, last block, hi)."""
        count = len(ch.blocks)
        if not count:
            return [(0, 0, -1, 0)]
        pages = []
        index, offset = 0, 0
        while True:
            first_len = ch.length_from(index, offset, self.high)
            rest = first_len + ch.run_len[count] - ch.run_len[index + 1]
            if rest <= self.high:
                pages.append((index, offset, count - 1, ch.plain_len[count - 1]))
                return pages
            # When the chapter would end on a near-empty page, share the rest between two.
            target = rest // 2 if rest < self.high + self.low else self.target
            high = min(self.high, rest - self.low)
            end_block, end_offset = self._page_end(ch, index, offset, first_len, target, high)
            if end_offset:
                pages.append((index, offset, end_block, end_offset))
                index, offset = end_block, end_offset
            else:
                pages.append((index, offset, end_block - 1, ch.plain_len[end_block - 1]))
                index, offset = end_block, 0

    def _page_end(
        self, ch: ChapterLayout, a: int, off: int, first_len: int, target: int, high: int
    ) -> tuple[int, int]:
        """Where a page starting at block `a`, offset `off`, ends.

        (b, 0) ends the page before block b; (b, k) ends it at plain offset k inside block b.
        """
        low = min(self.low, high)
        count = len(ch.blocks)
        # Ending before block b gives a page of first_len + run_len[b] - run_len[a + 1].
        base = ch.run_len[a + 1] - first_len
        b_min = max(bisect.bisect_left(ch.run_len, low + base), a + 1)
        b_max = min(bisect.bisect_right(ch.run_len, high + base) - 1, count - 1)
        if b_min <= b_max:
            aim = target + base
            lo_i = bisect.bisect_left(ch.breaks, b_min)
            hi_i = bisect.bisect_right(ch.breaks, b_max)
            scenes = ch.breaks[lo_i:hi_i]
            if scenes:
                return min(scenes, key=lambda b: abs(ch.run_len[b] - aim)), 0
            b = bisect.bisect_left(ch.run_len, aim, b_min, b_max + 1)
            options = [x for x in (b - 1, b) if b_min <= x <= b_max]
            return min(options, key=lambda x: abs(ch.run_len[x] - aim)), 0
        # No block boundary lands in the window: cut inside the block that crosses it.
        k = b_max if b_max >= a + 1 else a
        if k == a:
            before, lo = 0, off
        else:
            before, lo = first_len + ch.run_len[k] - ch.run_len[a + 1] + _SEP, 0
        cut = self._cut_block(ch, k, lo, target - before, low - before, high - before)
        return k, cut

    def _cut_block(
        self, ch: ChapterLayout, index: int, lo: int, target: int, low: int, high: int
    ) -> int:
        """A plain offset in block `index` after `lo` where a page of the given size ends."""
        end = ch.plain_len[index]
        ratio = max(ch.rendered_len[index] / max(end, 1), 1.0)
        budget = high
        # The stretch every cut below falls in (`cap` only shrinks); taken alone, since
        # joining a long paragraph's runs for every page would be quadratic.
        stretch = ch.text(index, lo, min(lo + max(int(budget / ratio), 1), end - 1) + 1)
        while True:
            cap = min(lo + max(int(budget / ratio), 1), end - 1)
            floor = min(lo + max(int(low / ratio), 1), cap)
            aim = lo + max(int(target / ratio), 1)
            cut = lo + _best_cut(stretch, 0, floor - lo, cap - lo, aim - lo)
            size = len(ch.render(index, lo, cut))
            if size <= high or cut <= lo + 1:
                return cut
            # Escapes or markers made this stretch denser than average: aim lower.
            budget = max(budget - (size - high) - 8, 1)
            ratio = max(ratio, size / max(cut - lo, 1))


def _best_cut(plain: str, lo: int, floor: int, cap: int, aim: int) -> int:
    """The best cut in plain[floor:cap]: a sentence end, else a word break, else a character."""
    window = plain[floor : cap + 1]
    for pattern in (_SENTENCE_END, _WORD_BREAK):
        cuts = [floor + m.end() for m in pattern.finditer(window)]
        cuts = [c for c in cuts if lo < c <= cap]
        if cuts:
            return min(cuts, key=lambda c: (abs(c - aim), -c))
    cut = min(max(aim, floor), cap)
    while cut > lo + 1 and not _can_cut_before(plain, cut):
        cut -= 1
    return max(cut, lo + 1)


@dataclass
class PagedStory:
    """A story cut into pages for one page size."""

    story: Story
    layout: Layout
    page_chars: int
    pages: list[Page]
    chapter_first_page: list[int]  # 0-based index of each chapter's first page

    def __len__(self) -> int:
        return len(self.pages)

    def text(self, page: Page) -> str:
        """The page's markdown, as the embed description shows it."""
        ch = self.layout.chapters[page.chapter]
        parts = []
        for index in range(page.first, page.last + 1):
            lo = page.lo if index == page.first else 0
            hi = page.hi if index == page.last else ch.plain_len[index]
            parts.append(ch.render(index, lo, hi))
        return BLOCK_SEPARATOR.join(parts)

    @cached_property
    def _page_starts(self) -> list[int]:
        return [page.start for page in self.pages]

    @property
    def index(self) -> PageIndex:
        """Where each page starts: enough to number a place without the text."""
        return PageIndex(array("q", self._page_starts))

    def page_at(self, offset: int) -> Page:
        """The page showing plain offset `offset`, clamped to the story."""
        index = bisect.bisect_right(self._page_starts, max(offset, 0)) - 1
        return self.pages[max(index, 0)]

    def chapter_pages(self, chapter: int) -> list[Page]:
        """The pages of one chapter (0-based)."""
        first = self.chapter_first_page[chapter]
        following = self.chapter_first_page[chapter + 1 : chapter + 2]
        return self.pages[first : following[0] if following else len(self.pages)]


@dataclass(frozen=True, slots=True)
class PageIndex:
    """The plain offset each page starts at, for one page size: a place's page number and
    the page count without the story's text (a library keeps one per story)."""

    starts: array  # typecode "q", ascending, the first is 0

    def __len__(self) -> int:
        return len(self.starts)

    def number_at(self, offset: int) -> int:
        """The 1-based number of the page showing plain offset `offset`, clamped."""
        return max(bisect.bisect_right(self.starts, max(offset, 0)), 1)

    def to_bytes(self) -> bytes:
        return self.starts.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> PageIndex:
        """The index `to_bytes` wrote; ValueError when `data` cannot be one."""
        starts = array("q")
        starts.frombytes(data)
        if not starts or starts[0] != 0 or any(b < a for a, b in pairwise(starts)):
            raise ValueError("not a page index")
        return cls(starts)


def paginate(
    story: Story,
    page_chars: int = DEFAULT_PAGE_CHARS,
    limit: int = DESCRIPTION_LIMIT,
    layout: Layout | None = None,
) -> PagedStory:
    """Cut `story` into pages of about `page_chars` rendered characters, none over `limit`.

    Pass the story's `Layout` when paginating it more than once; it does not depend on the
    page size.
    """
    layout = layout or Layout(story)
    paginator = _Paginator(page_chars, limit)
    pages: list[Page] = []
    first_pages: list[int] = []
    for number, ch in enumerate(layout.chapters):
        first_pages.append(len(pages))
        cuts = paginator.chapter(ch)
        following = layout.chapters[number + 1 : number + 2]
        for k, (first, lo, last, hi) in enumerate(cuts):
            start = ch.plain_start[first] + lo if ch.blocks else ch.end
            # A page owns the separator after it, so every offset falls on some page.
            if k + 1 < len(cuts):
                nxt_first, nxt_lo = cuts[k + 1][:2]
                end = ch.plain_start[nxt_first] + nxt_lo
            else:
                end = following[0].start if following else ch.end
            pages.append(Page(len(pages) + 1, number, start, end, first, lo, last, hi))
    return PagedStory(story, layout, page_chars, pages, first_pages)
