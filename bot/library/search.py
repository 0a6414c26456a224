"""Full-text search over the library, with the index kept in the database.

One passage per paragraph or heading (notes and scene breaks are not story text a member
would look for), holding the block's plain offset into `Story.plain`. A hit's offset is
where the matched words themselves start, so the page opened for it is the one showing them.

The member's text is always a literal phrase: `AND`, `NOT`, `*`, quotes, parentheses and `-`
are just characters. When the exact phrase is nowhere, the same words anywhere in one
paragraph are the fallback. Scripts written without spaces (Chinese, Japanese, Thai and
their neighbours) make a whole run of text one token, so a phrase from the middle of a
sentence would never match: passages holding such text are also indexed by trigrams, and a
query that still found nothing is looked for there as a plain substring.

The index lives in the bot's database (`bot.storage.search`) and is updated story by story:
each story's signature, a hash of the passages it gives, says whether the indexed version
is still the story's, so a restart with the same library indexes nothing and a reload
re-indexes only the stories that changed. Passages are kept in library order (see
`places`), so hits that rank the same come in story order.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.library.catalogue import Entry, Library
from bot.parsers import PARSER_VERSION
from bot.storage.search import PLACES, IndexedStory, Passage, PassageRow, SearchRows
from bot.text.pagination import Layout
from bot.text.story import BlockKind, Story, StoryError

log = logging.getLogger(__name__)

SNIPPET_CHARS = 150
# Context kept before the match in a snippet; the rest of the width follows it.
_LEAD = 50
# Marks around matched words in highlighted text; control characters never reach the index
# (`_clean` blanks them), so they cannot be confused with story text.
_OPEN, _CLOSE = "\x01", "\x02"
_CONTROLS = str.maketrans({_OPEN: " ", _CLOSE: " "})
_INDEXED = (BlockKind.PARAGRAPH, BlockKind.HEADING)
# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK
# ideographs (with their extensions and compatibility forms).
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Part of every signature: changing what a story's passages are (the kinds indexed, how
# text is cleaned, which scripts count as unspaced) changes this, and every story is
# indexed again.
_FORMAT = b"passages 1\n"


@dataclass(frozen=True, slots=True)
class Hit:
    """A place a query matched.

    `offset` is the plain offset in `Story.plain` where the match starts; `snippet` is plain
    text around it (with `…` where it was cut) and `marks` the (start, end) spans of the
    matched words inside `snippet`.
    """

    story_id: str
    chapter: int
    offset: int
    snippet: str
    marks: tuple[tuple[int, int], ...] = ()


def unspaced(text: str) -> bool:
    """Whether `text` holds a script written without spaces between words."""
    return _UNSPACED.search(text) is not None


def searchable(text: str) -> bool:
    """Whether `text` has anything the tokenizer would index (a letter or a digit)."""
    return any(char.isalnum() for char in text)


def _clean(text: str) -> str:
    # Same length out as in, so offsets into the text stay right.
    if _OPEN in text or _CLOSE in text:
        return text.translate(_CONTROLS)
    return text


def _passages(story: Story, layout: Layout) -> Iterator[tuple[int, int, str]]:
    """(chapter, offset, text) of every paragraph and heading with text, in story order."""
    for number, (chapter, chapter_layout) in enumerate(
        zip(story.chapters, layout.chapters, strict=True)
    ):
        for block, start in zip(chapter.blocks, chapter_layout.plain_start, strict=True):
            if block.kind not in _INDEXED:
                continue
            text = block.plain
            if text.strip():
                yield number, start, _clean(text)


def story_rows(story: Story, layout: Layout) -> list[PassageRow]:
    """The passages of one story to index, in order."""
    return [PassageRow(chapter, offset, text, unspaced(text))
            for chapter, offset, text in _passages(story, layout)]


def signature(entry: Entry) -> str:
    """Which version of a story the index holds: its text follows from the bytes it was
    read from and the parsers that read them, and its passages from this module's format.
    """
    key = f"{entry.content_hash} {PARSER_VERSION}".encode()
    return hashlib.sha1(_FORMAT + key).hexdigest()


def spans(highlighted: str) -> tuple[str, list[tuple[int, int]]]:
    """The text of a highlight() result without its marks, and the marked spans in it."""
    out: list[str] = []
    found: list[tuple[int, int]] = []
    length = 0
    start = 0
    position = 0
    while True:
        opening = highlighted.find(_OPEN, position)
        if opening < 0:
            out.append(highlighted[position:])
            break
        closing = highlighted.find(_CLOSE, opening + 1)
        if closing < 0:
            out.append(highlighted[position:].replace(_OPEN, ""))
            break
        before = highlighted[position:opening]
        out.append(before)
        length += len(before)
        start = length
        inner = highlighted[opening + 1 : closing]
        out.append(inner)
        length += len(inner)
        found.append((start, length))
        position = closing + 1
    return "".join(out), found


def snippet(text: str, marks: list[tuple[int, int]], width: int = SNIPPET_CHARS
            ) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About `width` characters of `text` around the first mark, cut between words.

    Returns the snippet (with `…` where text was left out, line breaks as spaces) and the
    marks that fall inside it, moved to snippet coordinates.
    """
    first, first_end = marks[0] if marks else (0, 0)
    start = max(first - _LEAD, 0)
    end = min(start + width, len(text))
    start = max(min(start, end - width), 0)
    if start > 0 and not text[start - 1].isspace():
        # Begin at a word: skip the partial word the window cut into.
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", max(first_end, start), end)
        end = space if space > start else end
    body = text[start:end].replace("\n", " ").replace("\t", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift)
        for s, e in marks
        if s < end and e > start
    )
    return prefix + body + suffix, inside


def places(order: Sequence[str], current: Mapping[str, int], limit: int = PLACES
           ) -> dict[str, int]:
    """A place for every story of `order`: increasing along it, between 0 and `limit`.

    As many stories as the order allows keep their `current` place (the longest run of
    them whose places already increase along `order`), so only the others are written
    again. The others get places spread evenly between their kept neighbours; where the
    neighbours are too close for them, the nearest kept stories give up their places too.
    """
    if len(order) >= limit:
        raise ValueError(f"{len(order)} stories do not fit in {limit - 1} places")
    kept = _increasing(order, current)
    # (index in `order`, place) of the stories keeping theirs, and both ends of the range.
    anchors = [(-1, 0), *((i, current[sid]) for i, sid in enumerate(order) if sid in kept),
               (len(order), limit)]
    a = 0
    while a < len(anchors) - 1:
        (i, low), (j, high) = anchors[a], anchors[a + 1]
        if high - low - 1 >= j - i - 1:
            a += 1  # room for the stories between these two
        elif a + 2 < len(anchors):
            del anchors[a + 1]  # too close: the next kept story moves as well
        else:
            del anchors[a]  # too close to the end: the kept story before moves as well
            a -= 1
    placed: dict[str, int] = {}
    for (i, low), (j, high) in pairwise(anchors):
        if i >= 0:
            placed[order[i]] = low
        between = j - i - 1
        for k in range(1, between + 1):
            placed[order[i + k]] = low + (high - low) * k // (between + 1)
    return placed


def _increasing(order: Sequence[str], current: Mapping[str, int]) -> set[str]:
    """The longest run of `order`'s stories, in order, whose `current` places increase."""
    found = [(sid, current[sid]) for sid in order if sid in current]
    tails: list[int] = []  # tails[k]: the least last place of an increasing run of k + 1
    tail_at: list[int] = []  # where in `found` that run ends
    before: list[int] = []  # for each of `found`, the one before it in its best run
    for n, (_, place) in enumerate(found):
        k = bisect.bisect_left(tails, place)
        if k == len(tails):
            tails.append(place)
            tail_at.append(n)
        else:
            tails[k] = place
            tail_at[k] = n
        before.append(tail_at[k - 1] if k else -1)
    kept: set[str] = set()
    n = tail_at[-1] if tail_at else -1
    while n >= 0:
        kept.add(found[n][0])
        n = before[n]
    return kept


@dataclass(frozen=True, slots=True)
class IndexPass:
    """What one pass over a library did to the search index."""

    reindexed: int  # stories whose passages were written (new, changed or moved)
    kept: int  # stories indexed already, left as they were
    removed: int  # stories gone from the library, taken out of the index


class SearchIndex:
    """The library's search index in the database: updated per story, searched by phrase."""

    def __init__(self, rows: SearchRows) -> None:
        self._rows = rows

    async def update(self, library: Library, *,
                     abandoned: Callable[[], bool] = lambda: False) -> IndexPass | None:
        """Bring the index to `library`: index new and changed stories, drop those gone.

        The work runs in worker threads and one statement per story, so the bot keeps
        answering, and searches meanwhile find what is indexed. `abandoned` is asked
        before each story; when it says True the pass stops there (a newer library is
        waiting) and returns None, and the next pass carries on from what was written.
        """
        started = time.perf_counter()
        indexed = await self._rows.indexed()
        order = [story.id for story in library]
        signatures = {sid: signature(library.entry(sid)) for sid in order}
        placed = places(order, {sid: indexed[sid].place for sid in order if sid in indexed})
        removed = await self._rows.remove(sid for sid in indexed if sid not in library)
        stale = [sid for sid in order
                 if indexed.get(sid) != IndexedStory(signatures[sid], placed[sid])]
        for sid in stale:
            if abandoned():
                log.info("Search index: pass left for a newer library")
                return None
            try:
                text = await library.open(sid, keep=False)
                rows = await asyncio.to_thread(story_rows, text.story, text.layout)
                await self._rows.replace(sid, signatures[sid], placed[sid], rows)
            except (ValueError, StoryError) as exc:
                log.warning("Search index: %s: %s", sid, exc)
        if stale or removed:
            # Each story written or removed leaves entries apart from the rest (deletions
            # too are entries): one changed story of 37 made phrase searches a third slower
            # in bench/search.py until merged, and merging costs less than a re-index.
            await self._rows.tidy()
        done = IndexPass(len(stale), len(order) - len(stale), removed)
        log.info("Search index: %d stories re-indexed, %d kept, %d removed in %.0f ms",
                 done.reindexed, done.kept, done.removed,
                 (time.perf_counter() - started) * 1000)
        return done

    async def search(
        self,
        query: str,
        *,
        story_id: str | None = None,
        limit: int = 10,
        accept: Callable[[str], bool] | None = None,
    ) -> list[Hit]:
        """Passages matching `query` as a phrase, best first (bm25, then story order).

        When the exact phrase is nowhere, passages holding all its words are returned
        instead. `story_id` limits the search to one story; `accept` drops hits from the
        stories it returns False for (age gating) without shortening the list.
        """
        if limit <= 0 or not searchable(query):
            return []
        words = query.split()
        attempts = [[query]]
        if len(words) > 1:
            attempts.append([word for word in words if searchable(word)])
        for phrases in attempts:
            found = await self._rows.matching(phrases, story_id=story_id, limit=limit,
                                              accept=accept, marks=(_OPEN, _CLOSE))
            if found:
                return [_ranked_hit(passage) for passage in found]
        if unspaced(query):
            text = query.strip()
            found = await self._rows.containing(text, story_id=story_id, limit=limit,
                                                accept=accept)
            return [_substring_hit(passage, text) for passage in found]
        return []

    async def counts(self) -> tuple[int, int]:
        """(passages indexed, passages also indexed by trigrams)."""
        return await self._rows.counts()


def _ranked_hit(passage: Passage) -> Hit:
    """A hit from a passage whose matched words are marked."""
    text, marks = spans(passage.text)
    shown, inside = snippet(text, marks)
    first = marks[0][0] if marks else 0
    return Hit(passage.story_id, passage.chapter, passage.offset + first, shown, inside)


def _substring_hit(passage: Passage, query: str) -> Hit:
    """A hit from a passage holding `query` somewhere."""
    text = passage.text
    at = text.find(query)
    if at < 0:  # matched regardless of case, in a passage mixing scripts
        at = max(text.casefold().find(query.casefold()), 0)
    marks = [(at, at + len(query))]
    shown, inside = snippet(text, marks)
    return Hit(passage.story_id, passage.chapter, passage.offset + at, shown, inside)
