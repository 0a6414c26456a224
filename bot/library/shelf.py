"""The bot's library, kept in the story store: a restart reads only what changed.

`open_library` surveys the stories folder by path, size and modification time (a `stat`
per file, no reads), reads and parses only the files that are new or changed since the
store last saw them (in a worker thread, one file at a time, each saved in one
transaction), forgets the files that are gone, and builds the catalogue from the store: a
card and measures per story, and where its pages start. No story text is read to be
ready. A file whose bytes the store already parsed (touched, copied, moved) is not parsed
again; a new `STORED_VERSION` re-parses every file once.

`stored_library` builds the same catalogue without looking at the folder, for a process
that hears that another one sharing the database loaded it.

Texts are opened from the store when someone reads (`StoredTexts`), decoded in a worker
thread and kept in a cache bounded by memory (`STORY_CACHE_MB`), least recently used first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from array import array
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.library import codec
from bot.library.cache import CostCache, story_cost
from bot.library.catalogue import (
    Entry,
    Library,
    Problem,
    Progress,
    Shelving,
    Text,
    read_story,
    unexpected,
)
from bot.library.files import candidates, check_size, read_file, release_parser_memory
from bot.library.scan import content_hash, plan, stamp
from bot.parsers import PARSER_VERSION
from bot.parsers.budget import PARSE_BUDGET_S
from bot.storage.stories import CatalogueRow, KeptStory, StoredCard, StoredFile, StoryStore
from bot.text.pagination import PageIndex
from bot.text.story import Story, StoryError

log = logging.getLogger(__name__)

#: What a stored story depends on: the parsers that read it and the codec that keeps it.
#: Either changing re-parses every file once.
STORED_VERSION = PARSER_VERSION * 100 + codec.CODEC_VERSION
#: What a block's layout and the pages and quotes of an open story cost beside its text
#: (bytes per block, and per character of plain text), for the cache's weighing.
LAYOUT_PER_BLOCK = 40
EXTRAS_PER_CHAR = 0.125
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024


def text_cost(text: Text) -> int:
    """About how many bytes an open story holds."""
    blocks = sum(len(chapter.blocks) for chapter in text.story.chapters)
    length = text.layout.chapters[-1].end if text.layout.chapters else 0
    return story_cost(text.story) + LAYOUT_PER_BLOCK * blocks + int(EXTRAS_PER_CHAR * length)


class StoredTexts:
    """Opens stories' texts from the store, keeping the most recently read within
    `cache_bytes`. Shared by every library the bot loads, so a reload keeps what is open."""

    def __init__(self, store: StoryStore, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._store = store
        self.cache: CostCache[tuple[str, str], Text] = CostCache(cache_bytes, text_cost)
        self._opening: dict[tuple[str, str], asyncio.Task[Text]] = {}
        self.opened = 0  # texts read from the store, for the benchmark and tests

    async def open(self, entry: Entry, *, keep: bool = True) -> Text:
        """The entry's text, from the cache or the store; `keep=False` leaves the cache as
        it was.

        Members opening the same text at once share one read, which runs as its own task:
        one of them giving up (a cancelled interaction) does not fail the others.
        """
        key = (entry.content_hash, entry.story.id)
        found = self.cache.get(key) if keep else self.cache.peek(key)
        if found is not None:
            return found
        if not keep and key not in self._opening:
            return await self._read(entry)
        reading = self._opening.get(key)
        if reading is None:
            reading = asyncio.create_task(self._keep(key, entry))
            self._opening[key] = reading
            reading.add_done_callback(lambda task: self._read_done(key, task))
        return await asyncio.shield(reading)

    async def _keep(self, key: tuple[str, str], entry: Entry) -> Text:
        return self.cache.put(key, await self._read(entry))

    def _read_done(self, key: tuple[str, str], task: asyncio.Task[Text]) -> None:
        self._opening.pop(key, None)
        if not task.cancelled():
            task.exception()  # whoever awaited it reports a failure; nobody may be left

    async def _read(self, entry: Entry) -> Text:
        kept = await self._store.text(entry.content_hash, STORED_VERSION)
        try:
            if kept is None:
                raise StoryError("its text is no longer in the store")
            self.opened += 1
            return await asyncio.to_thread(_text, *kept, entry)
        except StoryError:
            # Lost or unreadable while files still give it: the next load reads them again.
            # (A story only a replaced library served has no files left to forget.)
            await self._store.forget_content(entry.content_hash, STORED_VERSION)
            raise


def _text(body: bytes, layout: bytes | None, entry: Entry) -> Text:
    try:
        story = codec.decode(body, id=entry.story.id, source=entry.story.source)
    except codec.CodecError as exc:
        raise StoryError(f"its stored text cannot be read ({exc})") from None
    if layout is not None:
        rendered = array("q")
        try:
            rendered.frombytes(layout)
            return Text(story, rendered)
        except ValueError:
            log.warning("%s: its stored layout does not fit; measuring it again",
                        entry.story.id)
    return Text(story)


@dataclass(slots=True)
class Survey:
    """The folder as it is: story files by relative path (with their stamps), in the
    folder's order, and the files its rules refuse without reading them."""

    found: dict[str, str]
    refused: dict[str, str]
    order: list[str]


def survey(root: Path, max_bytes: int) -> Survey:
    """Stamp every story file under `root` (blocking: a `stat` or two per file)."""
    result = Survey({}, {}, [])
    for path in candidates(root):
        relative = path.relative_to(root).as_posix()
        result.order.append(relative)
        try:
            if check_size(root, path, max_bytes) == 0:
                raise StoryError("the file is empty")
            result.found[relative] = stamp(path)
        except StoryError as exc:
            result.refused[relative] = str(exc)
        except OSError as exc:
            result.refused[relative] = f"it cannot be read ({exc.strerror or exc})"
    return result


@dataclass(slots=True)
class Reading:
    """What reading the changed files did."""

    parsed: int = 0  # files parsed
    reused: int = 0  # files whose bytes the store had parsed already


async def open_library(root: Path | str, store: StoryStore, texts: StoredTexts, *,
                       page_chars: int, max_bytes: int, parse_budget: float = PARSE_BUDGET_S,
                       progress: Callable[[int, int], None] | None = None,
                       reserved: Collection[str] = ()) -> Library:
    """The library of the folder at `root`, from the store, after reading what changed.

    `progress(done, total)` hears about the files being read, about every two seconds.
    `reserved` ids (servers' own stories') are not given to folder files.
    Stories no file gives any more stay in the store, for a library still serving them,
    until the caller has swapped the new one in and calls `StoryStore.prune`.
    """
    root = Path(root)
    started = time.perf_counter()
    if not root.is_dir():
        log.warning("Stories folder %s does not exist", root)
        return Library(root, {}, [Problem(str(root), "the stories folder does not exist")],
                       [], texts)
    surveyed = time.time()
    folder = await asyncio.to_thread(survey, root, max_bytes)
    stored = await store.files()
    work = plan(folder.found, stored, STORED_VERSION)
    reading = Reading()
    report = Progress(progress, len(work.to_read), f"Reading new and changed stories in {root}")
    known = {row.content_hash: row for row in stored.values()
             if row.parser_version == STORED_VERSION and row.error is None}
    for done, path in enumerate(work.to_read):
        report(done)
        await _read(root, path, folder, store, known, reading, page_chars, max_bytes,
                    parse_budget)
    if reading.parsed:
        release_parser_memory()
    # A file another process recorded after this look at the folder was not gone from it.
    await store.forget([path for path in work.removed if stored[path].read_at < surveyed])
    rows = await _catalogue(root, store, folder, known, reading, page_chars, max_bytes,
                            parse_budget)
    library = _shelve(root, folder, rows, texts, page_chars, reserved)
    log.info("Library of %d stories ready in %.0f ms: %d files parsed, %d known by their "
             "bytes, %d unchanged, %d gone (%d skipped)", len(library),
             (time.perf_counter() - started) * 1000, reading.parsed, reading.reused,
             len(work.unchanged), len(work.removed), len(library.errors))
    return library


async def _read(root: Path, path: str, folder: Survey, store: StoryStore,
                known: dict[str, StoredFile], reading: Reading, page_chars: int,
                max_bytes: int, parse_budget: float) -> None:
    """Read one new or changed file and record what it gave."""
    file_stamp = folder.found[path]
    try:
        files = await asyncio.to_thread(read_file, root, root / path, max_bytes)
    except StoryError as exc:  # its sidecar breaks the folder's rules
        await store.record(path, file_stamp, "", STORED_VERSION, error=str(exc))
        return
    except OSError as exc:  # not recorded: the next load tries it again
        folder.refused[path] = f"it cannot be read ({exc.strerror or exc})"
        return
    digest = content_hash(*files)
    same = known.get(digest)
    if same is not None and await store.has_body(digest, STORED_VERSION):
        reading.reused += 1
        await store.record(path, file_stamp, digest, STORED_VERSION, warnings=same.caveats)
        return
    reading.parsed += 1
    try:
        entry, caveats, kept = await asyncio.to_thread(
            _parse, root, root / path, max_bytes, parse_budget, files, page_chars)
    except StoryError as exc:
        await store.record(path, file_stamp, digest, STORED_VERSION, error=str(exc))
        return
    except Exception as exc:  # a parser bug must not hide the rest of the library
        await store.record(path, file_stamp, digest, STORED_VERSION, error=unexpected(exc))
        return
    await store.record(path, file_stamp, entry.content_hash, STORED_VERSION, story=kept,
                       warnings=caveats)
    known.setdefault(entry.content_hash, StoredFile(path, file_stamp, entry.content_hash,
                                                    STORED_VERSION, None,
                                                    "\n".join(caveats), time.time()))


def _parse(root: Path, path: Path, max_bytes: int, parse_budget: float,
           files: tuple[bytes, bytes | None],
           page_chars: int) -> tuple[Entry, tuple[str, ...], KeptStory]:
    entry, caveats = read_story(root, path, max_bytes, parse_budget, files)
    return entry, caveats, kept_of(entry, page_chars)


def kept_of(entry: Entry, page_chars: int) -> KeptStory:
    """What the store keeps of a story just read (blocking): the encoded story, its card
    and measures, its layout and its page starts for `page_chars`."""
    text = entry.text
    assert text is not None, "an entry just read holds its text"
    card = StoredCard(codec.encode(entry.story), entry.words, entry.minutes, entry.length,
                      entry.quotes)
    return KeptStory(codec.encode(text.story), card, text.layout.rendered_lengths().tobytes(),
                     (page_chars, text.paged(page_chars).index.to_bytes()))


async def _catalogue(root: Path, store: StoryStore, folder: Survey, known: dict[str, StoredFile],
                     reading: Reading, page_chars: int, max_bytes: int,
                     parse_budget: float) -> dict[str, tuple[CatalogueRow, Story | None]]:
    """The store's catalogue of the folder's files, with each story's card decoded.

    A story whose card cannot be read is parsed again; one whose pages were cut for
    another page size (`PAGE_CHARS` changed) has them cut from its stored text, once.
    """
    for attempt in range(2):
        rows = await store.catalogue(STORED_VERSION, page_chars)
        cards = await asyncio.to_thread(_cards, rows, root)
        broken = [row.path for row in rows if row.error is None and cards[row.path] is None
                  and row.path in folder.found]
        if not broken or attempt:
            break
        log.warning("Reading again %d stories whose stored copy is incomplete", len(broken))
        for path in broken:
            known.pop(next(row.content_hash for row in rows if row.path == path), None)
            await _read(root, path, folder, store, known, reading, page_chars, max_bytes,
                        parse_budget)
    rows = await _paged(store, rows, cards, page_chars)
    incomplete = [row.path for row in rows if row.error is None
                  and (cards.get(row.path) is None or row.pages is None)]
    await store.forget(incomplete)  # so the next start reads them again
    return {row.path: (row, cards.get(row.path)) for row in rows}


async def _paged(store: StoryStore, rows: list[CatalogueRow], cards: dict[str, Story | None],
                 page_chars: int) -> list[CatalogueRow]:
    """The catalogue once stories cut for another page size have pages of `page_chars`
    too, cut from their stored text (no file is read)."""
    unpaged = [row for row in rows if cards[row.path] is not None and row.pages is None]
    for row in unpaged:
        body = await store.body(row.content_hash, STORED_VERSION)
        if body is None:
            continue
        try:
            starts = await asyncio.to_thread(page_starts, body, page_chars)
        except StoryError as exc:
            log.warning("%s: %s", row.path, exc)
            continue
        await store.record_pages(row.content_hash, STORED_VERSION, page_chars, starts)
    if unpaged:
        log.info("Cut the pages of %d stories for pages of %d characters", len(unpaged),
                 page_chars)
        rows = await store.catalogue(STORED_VERSION, page_chars)
    return rows


async def stored_library(root: Path | str, store: StoryStore, texts: StoredTexts, *,
                         page_chars: int, reserved: Collection[str] = ()) -> Library:
    """The folder's library as the store has it now, without reading the folder: what
    another process sharing the database has just loaded (processes share one stories
    folder). Nothing is parsed, and nothing recorded is forgotten: a file that process did
    not manage to read stays out until a load reads it.

    Ids are given in the folder's path order, as `open_library` gives them.
    """
    root = Path(root)
    rows = await store.catalogue(STORED_VERSION, page_chars)
    cards = await asyncio.to_thread(_cards, rows, root)
    # A file recorded since the first look comes with the notice of whoever recorded it.
    rows = [row for row in await _paged(store, rows, cards, page_chars) if row.path in cards]
    order = sorted((row.path for row in rows), key=lambda path: PurePosixPath(path).parts)
    library = _shelve(root, Survey({}, {}, order),
                      {row.path: (row, cards[row.path]) for row in rows}, texts, page_chars,
                      reserved)
    log.info("Library of %d stories read from the store", len(library))
    return library


def _cards(rows: list[CatalogueRow], root: Path) -> dict[str, Story | None]:
    cards: dict[str, Story | None] = {}
    for row in rows:
        cards[row.path] = None
        if row.card is not None:
            try:
                cards[row.path] = codec.decode(row.card.card, source=root / row.path)
            except codec.CodecError as exc:
                log.warning("%s: its stored card cannot be read (%s)", row.path, exc)
    return cards


def page_starts(body: bytes, page_chars: int) -> bytes:
    """Where a stored story's pages of `page_chars` start (blocking), for a page size it
    was not cut for."""
    try:
        story = codec.decode(body)
    except codec.CodecError as exc:
        raise StoryError(f"its stored text cannot be read ({exc})") from None
    return Text(story).paged(page_chars).index.to_bytes()


def _shelve(root: Path, folder: Survey,
            rows: dict[str, tuple[CatalogueRow, Story | None]], texts: StoredTexts,
            page_chars: int, reserved: Collection[str]) -> Library:
    """The catalogue as a library: ids given in the folder's order, as `Library.load` does."""
    shelving = Shelving(reserved)
    for path in folder.order:
        if path in folder.refused:
            shelving.skip(path, folder.refused[path])
            continue
        row, card = rows.get(path, (None, None))
        if row is not None and row.error is not None:
            shelving.skip(path, row.error)
            continue
        if row is None or card is None or row.card is None or row.pages is None:
            shelving.skip(path, "could not be read; it is read again at the next start")
            continue
        measures = row.card
        try:
            pages = PageIndex.from_bytes(row.pages)
        except ValueError:
            shelving.skip(path, "its stored pages cannot be read; it is read again at the "
                                "next start")
            continue
        entry = Entry(story=card, file=path, words=measures.words, minutes=measures.minutes,
                      length=measures.length, quotes=measures.quotes,
                      content_hash=row.content_hash, pages={page_chars: pages})
        shelving.add(entry, row.caveats)
    return Library(root, shelving.by_title(), shelving.errors, shelving.warnings, texts)
