"""The story library: every story of the folder, identified and measured, in title order.

A library is a catalogue: each story's card (its metadata and chapter titles), its measures
(words, reading time, length, quotes, page starts) and where its text is. Listings, cards,
autocomplete and page numbers work from the catalogue alone; a story's text is opened
(`Library.open`) when someone reads it. `Library.load` reads a folder and holds every text
(for the command-line tools and tests); `bot.library.shelf` builds the bot's library from
the story store, which opens texts from the database through a bounded cache.

Loading never fails as a whole. A file that cannot be read, is too large, is not a story,
links outside the folder, costs more to read than a story may (`bot.parsers.budget`: time,
markup, paragraphs, text) or would take another story's id is skipped with one log line
naming the file and the reason, and listed in `Library.errors`; every other story loads.
A sidecar is read by the same rules as its story, and a subfolder that links outside the
folder is listed like a file.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
import time
import unicodedata
from array import array
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from bot.library.codec import encode
from bot.library.files import candidates, parse_file, read_file, release_parser_memory
from bot.library.scan import content_hash
from bot.parsers.budget import PARSE_BUDGET_S, Budget
from bot.quotes.pools import StoryPool
from bot.text.pagination import DEFAULT_PAGE_CHARS, Layout, PagedStory, PageIndex, paginate
from bot.text.story import Story, StoryError

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PROGRESS_SECONDS = 2.0
ID_MAX_LENGTH = 48


@dataclass(frozen=True, slots=True)
class Problem:
    """A file the library skipped (an error) or loaded with a caveat (a warning)."""

    file: str  # path relative to the library folder
    error: str


class Text:
    """A story's text, opened: the story, its layout, its pages per page size and its quote
    pool, each worked out once while the text is open."""

    __slots__ = ("_paged", "layout", "pool", "story")

    def __init__(self, story: Story, rendered: array | None = None) -> None:
        self.story = story
        self.layout = Layout(story, rendered)
        self._paged: dict[int, PagedStory] = {}
        self.pool: StoryPool | None = None

    def paged(self, page_chars: int = DEFAULT_PAGE_CHARS) -> PagedStory:
        """The story cut into pages of `page_chars`, cut once and kept."""
        paged = self._paged.get(page_chars)
        if paged is None:
            paged = self._paged[page_chars] = paginate(self.story, page_chars,
                                                       layout=self.layout)
        return paged

    def named(self, story_id: str, source: Path | None) -> None:
        """Give the story its id in the library (and where it was read from); what was
        worked out under another id is made again."""
        self.story = replace(self.story, id=story_id, source=source)
        self._paged.clear()
        self.pool = None

    def quotes(self) -> StoryPool:
        """The story's quote pool, made once."""
        if self.pool is None:
            self.pool = StoryPool(self.story, self.layout)
        return self.pool


def card_of(story: Story) -> Story:
    """The story without its text: metadata and chapter titles, as listings show it."""
    return replace(story, chapters=tuple(replace(ch, blocks=()) for ch in story.chapters),
                   warnings=())


@dataclass(slots=True)
class Entry:
    """A story as the catalogue knows it."""

    story: Story  # its card: metadata and chapter titles, no text
    file: str
    words: int  # as AO3 counts them: each CJK character is a word
    minutes: float  # about how long the whole story takes to read
    length: int  # characters of plain text
    quotes: int  # how many quotes its pool holds
    content_hash: str  # of the file and its sidecar: where the store keeps its text
    pages: dict[int, PageIndex] = field(default_factory=dict)
    text: Text | None = None  # held by a library loaded whole; None when the store has it
    guild_id: int | None = None  # the server that added it; None for the folder's

    @classmethod
    def of(cls, story: Story, file: str, content_hash: str | None = None) -> Entry:
        """A story's entry, measured, holding its text. Without the hash of the file it
        was read from, the story's own encoding is hashed: equal stories, equal hashes."""
        if content_hash is None:
            content_hash = hashlib.sha256(encode(story)).hexdigest()
        text = Text(story)
        count = story.word_count
        length = text.layout.chapters[-1].end if text.layout.chapters else 0
        return cls(story=card_of(story), file=file, words=count.words, minutes=count.minutes,
                   length=length, quotes=len(StoryPool(story, text.layout)),
                   content_hash=content_hash,
                   text=text)


class TextSource(Protocol):
    """Where a library that does not hold its texts opens them."""

    async def open(self, entry: Entry, *, keep: bool = True) -> Text: ...


def story_id(stem: str) -> str:
    """A short, stable `a-z0-9-` slug for a file name stem.

    Accents fold to their letters; a name with no Latin letters or digits at all gets a
    slug from a hash of the name, so it is still stable.
    """
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(slug) > ID_MAX_LENGTH:
        slug = slug[:ID_MAX_LENGTH].rsplit("-", 1)[0] or slug[:ID_MAX_LENGTH]
    if not slug:
        slug = "story-" + hashlib.sha1(stem.encode()).hexdigest()[:8]
    return slug


class Shelving:
    """Gives each story read its id, in the folder's path order, and keeps what went wrong.

    The same work in two formats (`work.epub` beside `work.html`) keeps both: the later one
    in path order takes its format as a suffix. Two files that still want one id keep the
    first. An id a server's own story has (`reserved`) is taken the same way: members'
    places in that story must not move to a file added to the folder later.
    """

    def __init__(self, reserved: Collection[str] = ()) -> None:
        self.reserved = frozenset(reserved)
        self.entries: dict[str, Entry] = {}
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def skip(self, file: str, reason: str) -> None:
        self.errors.append(Problem(file, reason))
        log.warning("Skipped %s: %s", file, reason)

    def add(self, entry: Entry, caveats: Iterator[str] | tuple[str, ...] = ()) -> None:
        path = Path(entry.file)
        sid = story_id(path.stem)
        if sid in self.entries or sid in self.reserved:
            taken = self.entries[sid].file if sid in self.entries else "a story a server added"
            alternative = story_id(f"{path.stem}-{path.suffix.lstrip('.')}")
            if (alternative in self.entries or alternative in self.reserved
                    or Path(taken).suffix.lower() == path.suffix.lower()):
                self.skip(entry.file, f"story id {sid!r} is already used by {taken}; rename one")
                return
            self._caveat(entry.file, f"story id {sid!r} is taken by {taken}, so this one is "
                                     f"{alternative!r}")
            sid = alternative
        for caveat in caveats:
            self._caveat(entry.file, caveat)
        entry.story = replace(entry.story, id=sid)
        if entry.text is not None:
            entry.text.named(sid, entry.story.source)
        self.entries[sid] = entry

    def _caveat(self, file: str, caveat: str) -> None:
        self.warnings.append(Problem(file, caveat))
        log.info("%s: %s", file, caveat)

    def by_title(self) -> dict[str, Entry]:
        return dict(sorted(self.entries.items(),
                           key=lambda kv: (kv[1].story.title.casefold(), kv[0])))


class Library:
    """Stories by id, in a stable order (by title), with what could not be loaded."""

    def __init__(self, root: Path, entries: dict[str, Entry], errors: list[Problem],
                 warnings: list[Problem], texts: TextSource | None = None,
                 hidden: dict[str, Entry] | None = None) -> None:
        self.root = root
        self._entries = entries
        self.errors = errors
        self.warnings = warnings
        self._texts = texts
        self._hidden = hidden or {}  # reachable by id, never listed

    def view(self, own: dict[str, Entry], hidden: dict[str, Entry],
             texts: TextSource | None) -> Library:
        """This library with `own` stories listed before its own and `hidden` ones reachable
        by id only (`bot.library.servers`); `texts` opens the stories it does not hold."""
        return Library(self.root, {**own, **self._entries}, self.errors, self.warnings,
                       texts or self._texts, hidden)

    @classmethod
    def load(cls, root: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES,
             parse_budget: float = PARSE_BUDGET_S,
             progress: Callable[[int, int], None] | None = None) -> Library:
        """Read every story under `root` (subfolders included; hidden files skipped) and
        hold the texts.

        Each file has `parse_budget` seconds to be read and measured; one that takes longer
        is skipped. A long load reports how far it is: `progress(done, total)` files about
        every `PROGRESS_SECONDS`, or a log line when no `progress` is given. The last log
        line names the slowest file.
        """
        root = Path(root)
        started = time.perf_counter()
        slowest = (0.0, "")
        shelving = Shelving()
        if not root.is_dir():
            shelving.errors.append(Problem(str(root), "the stories folder does not exist"))
            log.warning("Stories folder %s does not exist", root)
            return cls(root, {}, shelving.errors, shelving.warnings)
        found = list(candidates(root))
        report = Progress(progress, len(found), f"Loading stories from {root}")
        for done, path in enumerate(found):
            report(done)
            relative = path.relative_to(root).as_posix()
            began = time.perf_counter()
            try:
                entry, caveats = read_story(root, path, max_bytes, parse_budget)
            except StoryError as exc:
                shelving.skip(relative, str(exc))
                continue
            except Exception as exc:  # a parser bug must not hide the rest of the library
                shelving.skip(relative, unexpected(exc))
                continue
            finally:
                slowest = max(slowest, (time.perf_counter() - began, relative))
            shelving.add(entry, caveats)
        release_parser_memory()
        ordered = shelving.by_title()
        log.info("Loaded %d stories from %s in %.0f ms (%d skipped%s)", len(ordered), root,
                 (time.perf_counter() - started) * 1000, len(shelving.errors),
                 f"; slowest {slowest[1]}, {slowest[0]:.1f} s" if slowest[1] else "")
        return cls(root, ordered, shelving.errors, shelving.warnings)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Story]:
        return (entry.story for entry in self._entries.values())

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._entries or story_id in self._hidden

    def listed(self, story_id: str) -> bool:
        """Whether a story is one this library lists, not one reachable by id only."""
        return story_id in self._entries

    def get(self, story_id: str) -> Story | None:
        """A story's card (metadata and chapter titles, no text); None for an unknown id."""
        entry = self._entries.get(story_id) or self._hidden.get(story_id)
        return entry.story if entry else None

    def entry(self, story_id: str) -> Entry:
        """The entry for an id; KeyError when there is none."""
        found = self._entries.get(story_id) or self._hidden.get(story_id)
        if found is None:
            raise KeyError(story_id)
        return found

    def entries(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    async def open(self, story_id: str, *, keep: bool = True) -> Text:
        """A story's text: held, or opened from the store. KeyError for an unknown id;
        `StoryError` when the store no longer has it. `keep=False` is for a pass over the
        whole library, which should not push out what members are reading."""
        entry = self.entry(story_id)
        if entry.text is not None:
            return entry.text
        if self._texts is None:
            raise StoryError("its text is not available")
        return await self._texts.open(entry, keep=keep)

    async def paged(self, story_id: str, page_chars: int = DEFAULT_PAGE_CHARS) -> PagedStory:
        """The story cut into pages of `page_chars`."""
        return (await self.open(story_id)).paged(page_chars)

    def pages(self, story_id: str, page_chars: int = DEFAULT_PAGE_CHARS) -> PageIndex:
        """Where the story's pages of `page_chars` start, from the catalogue.

        A library from the store knows the page size it was opened for; one holding its
        texts works out any other.
        """
        entry = self.entry(story_id)
        index = entry.pages.get(page_chars)
        if index is None:
            if entry.text is None:
                raise LookupError(f"no pages of {page_chars} characters for {story_id}")
            index = entry.pages[page_chars] = entry.text.paged(page_chars).index
        return index

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Ids of stories whose id or title is close to `text`, best first."""
        query = text.strip().casefold()
        names = {sid: sid for sid in self._entries}
        names.update({e.story.title.casefold(): sid for sid, e in self._entries.items()})
        found = difflib.get_close_matches(query, list(names), n=limit * 2, cutoff=0.5)
        out: list[str] = []
        for name in found:
            if names[name] not in out:
                out.append(names[name])
        return out[:limit]


class Progress:
    """Reports a long pass over `total` files about every `PROGRESS_SECONDS`: through
    `progress(done, total)`, or a log line headed `what` when there is none."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int,
                 what: str) -> None:
        self._progress = progress
        self._total = total
        self._what = what
        self._reported = time.monotonic()

    def __call__(self, done: int) -> None:
        if time.monotonic() - self._reported < PROGRESS_SECONDS:
            return
        self._reported = time.monotonic()
        if self._progress is not None:
            self._progress(done, self._total)
        else:
            log.info("%s: %d of %d files", self._what, done, self._total)


def unexpected(exc: Exception) -> str:
    """The reason given for a file a parser failed on unexpectedly (a bug, logged)."""
    log.warning("Unexpected %s reading a story", type(exc).__name__,
                exc_info=log.isEnabledFor(logging.DEBUG))
    return f"could not be read ({type(exc).__name__})"


def read_story(root: Path, path: Path, max_bytes: int, parse_budget: float,
               files: tuple[bytes, bytes | None] | None = None
               ) -> tuple[Entry, tuple[str, ...]]:
    """Read, parse and measure one file, within its budget: its entry (holding the text,
    no id yet) and its caveats. `files` are its bytes and its sidecar's, when already read."""
    budget = Budget(parse_budget)
    data, metadata = files if files is not None else read_file(root, path, max_bytes)
    story = parse_file(data, metadata, path.name, budget)
    entry = Entry.of(replace(story, source=path), path.relative_to(root).as_posix(),
                     content_hash(data, metadata))
    budget.check_time()
    return entry, story.warnings


def _haystack(story: Story) -> str:
    meta = story.meta
    return " \n".join((story.title, meta.author, *meta.fandoms, story.id)).casefold()


def find_stories(library: Library, query: str, limit: int = 25) -> list[Story]:
    """Stories matching `query` on title, author, fandom or id, best first.

    Title prefixes rank first, then any word starting with the query, then substrings.
    """
    query = " ".join(query.casefold().split())
    stories = list(library)
    if not query:
        return stories[:limit]
    ranked: list[tuple[int, str, Story]] = []
    for story in stories:
        title = story.title.casefold()
        hay = _haystack(story)
        if title.startswith(query) or story.id.startswith(query):
            rank = 0
        elif f" {query}" in f" {hay}":
            rank = 1
        elif all(word in hay for word in query.split()):
            rank = 2
        else:
            continue
        ranked.append((rank, title, story))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [story for _, _, story in ranked[:limit]]
