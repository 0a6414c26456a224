"""The story library: every story file in a folder, parsed, identified and measured.

Loading never fails as a whole. A file that cannot be read, is too large, is not a story,
links outside the folder, costs more to read than a story may (`bot.parsers.budget`: time,
markup, paragraphs, text) or would take another story's id is skipped with one log line
naming the file and the reason, and listed in `Library.errors`; every other story loads.
A sidecar is read by the same rules as its story, and a subfolder that links outside the
folder is listed like a file.
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import hashlib
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.parsers import FORMATS, parse_story
from bot.parsers.budget import MAX_METADATA_BYTES, PARSE_BUDGET_S, Budget
from bot.text.pagination import DEFAULT_PAGE_CHARS, Layout, PagedStory, paginate
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


@dataclass(slots=True)
class Entry:
    story: Story
    file: str
    layout: Layout
    words: int  # as AO3 counts them: each CJK character is a word
    minutes: float  # about how long the whole story takes to read
    length: int  # characters of plain text
    paged: dict[int, PagedStory] = field(default_factory=dict)

    @classmethod
    def of(cls, story: Story, file: str) -> Entry:
        """A story's entry, measured: its layout, words, reading time and length."""
        layout = Layout(story)
        count = story.word_count
        length = layout.chapters[-1].end if layout.chapters else 0
        return cls(story=story, file=file, layout=layout, words=count.words,
                   minutes=count.minutes, length=length)


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


class Library:
    """Stories by id, in a stable order (by title), with what could not be loaded."""

    def __init__(self, root: Path, entries: dict[str, Entry], errors: list[Problem],
                 warnings: list[Problem]) -> None:
        self.root = root
        self._entries = entries
        self.errors = errors
        self.warnings = warnings

    @classmethod
    def load(cls, root: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES,
             parse_budget: float = PARSE_BUDGET_S,
             progress: Callable[[int, int], None] | None = None) -> Library:
        """Load every story under `root` (subfolders included; hidden files skipped).

        Each file has `parse_budget` seconds to be read and measured; one that takes longer
        is skipped. A long load reports how far it is: `progress(done, total)` files about
        every `PROGRESS_SECONDS`, or a log line when no `progress` is given. The last log
        line names the slowest file.
        """
        root = Path(root)
        started = time.perf_counter()
        slowest = (0.0, "")
        entries: dict[str, Entry] = {}
        errors: list[Problem] = []
        warnings: list[Problem] = []
        if not root.is_dir():
            errors.append(Problem(str(root), "the stories folder does not exist"))
            log.warning("Stories folder %s does not exist", root)
            return cls(root, entries, errors, warnings)
        candidates = list(_candidates(root))
        reported = time.monotonic()
        for done, path in enumerate(candidates):
            if time.monotonic() - reported >= PROGRESS_SECONDS:
                reported = time.monotonic()
                if progress is not None:
                    progress(done, len(candidates))
                else:
                    log.info("Loading stories from %s: %d of %d files", root, done,
                             len(candidates))
            relative = path.relative_to(root).as_posix()
            budget = Budget(parse_budget)
            began = time.perf_counter()
            try:
                story = _load_file(root, path, max_bytes, budget)
                entry = Entry.of(story, relative)
                budget.check_time()
            except StoryError as exc:
                errors.append(Problem(relative, str(exc)))
                log.warning("Skipped %s: %s", relative, exc)
                continue
            except Exception as exc:  # a parser bug must not hide the rest of the library
                errors.append(Problem(relative, f"could not be read ({type(exc).__name__})"))
                log.warning("Skipped %s: unexpected %s", relative, type(exc).__name__,
                            exc_info=log.isEnabledFor(logging.DEBUG))
                continue
            finally:
                slowest = max(slowest, (time.perf_counter() - began, relative))
            sid = story_id(path.stem)
            if sid in entries:
                # The same work in two formats (`work.epub` beside `work.html`) keeps both:
                # the later one in path order takes its format as a suffix.
                taken = entries[sid].file
                alternative = story_id(f"{path.stem}-{path.suffix.lstrip('.')}")
                if Path(taken).suffix.lower() == path.suffix.lower() or alternative in entries:
                    reason = f"story id {sid!r} is already used by {taken}; rename one"
                    errors.append(Problem(relative, reason))
                    log.warning("Skipped %s: %s", relative, reason)
                    continue
                caveat = f"story id {sid!r} is taken by {taken}, so this one is {alternative!r}"
                warnings.append(Problem(relative, caveat))
                log.info("%s: %s", relative, caveat)
                sid = alternative
            for caveat in story.warnings:
                warnings.append(Problem(relative, caveat))
                log.info("%s: %s", relative, caveat)
            entry.story = replace(story, id=sid, source=path)
            entries[sid] = entry
        _release_parser_memory()
        by_title = sorted(entries.items(), key=lambda kv: (kv[1].story.title.casefold(), kv[0]))
        ordered = dict(by_title)
        log.info("Loaded %d stories from %s in %.0f ms (%d skipped%s)", len(ordered), root,
                 (time.perf_counter() - started) * 1000, len(errors),
                 f"; slowest {slowest[1]}, {slowest[0]:.1f} s" if slowest[1] else "")
        return cls(root, ordered, errors, warnings)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Story]:
        return (entry.story for entry in self._entries.values())

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._entries

    def get(self, story_id: str) -> Story | None:
        entry = self._entries.get(story_id)
        return entry.story if entry else None

    def entry(self, story_id: str) -> Entry:
        """The entry for an id; KeyError when there is none."""
        return self._entries[story_id]

    def paged(self, story_id: str, page_chars: int = DEFAULT_PAGE_CHARS) -> PagedStory:
        """The story cut into pages of `page_chars`, cut once and kept."""
        entry = self._entries[story_id]
        paged = entry.paged.get(page_chars)
        if paged is None:
            paged = entry.paged[page_chars] = paginate(entry.story, page_chars, layout=entry.layout)
        return paged

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


def _release_parser_memory() -> None:
    """Give the heap the HTML parser freed back to the system.

    libxml2 allocates with the C allocator, which keeps freed memory for reuse; after a
    library load that is tens of megabytes the bot will not need again.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _candidates(root: Path) -> Iterator[Path]:
    """Files (and things named like them) that look like stories, in a stable order, and
    the linked subfolders that lead outside the folder, which are not searched and which
    `_load_file` refuses."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        linked_away = path.is_symlink() and path.is_dir() and _leads_outside(root, path)
        if path.suffix.lower() in FORMATS or linked_away:
            yield path


def _leads_outside(root: Path, path: Path) -> bool:
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links leads nowhere inside either
        return True


def _size(root: Path, path: Path, max_bytes: int, kind: str) -> int:
    """The size of `path`, a file the library reads, once it keeps the folder's rules: a
    regular file, inside the folder even through links, at most `max_bytes`.

    Raises `StoryError` naming the rule it breaks; `kind` is what the file should be.
    """
    folders = path.relative_to(root).parents
    if (path.is_symlink() or any((root / folder).is_symlink() for folder in folders)) and (
        _leads_outside(root, path)
    ):
        raise StoryError("it links outside the stories folder")
    if path.is_dir():
        raise StoryError(f"it is a folder, not {kind}")
    if not path.is_file():
        raise StoryError("it is not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise StoryError(f"it is {_amount(size)}, over the {_amount(max_bytes, 0)} limit")
    return size


def _amount(size: int, places: int = 1) -> str:
    if size < 1_048_576:
        return f"{size / 1024:.{places}f} KB"
    return f"{size / 1_048_576:.{places}f} MB"


def _load_file(root: Path, path: Path, max_bytes: int, budget: Budget) -> Story:
    if _size(root, path, max_bytes, "a story file") == 0:
        raise StoryError("the file is empty")
    data = path.read_bytes()
    sidecar = path.with_suffix(".toml")
    metadata = None
    if sidecar.exists() or sidecar.is_symlink():
        try:
            _size(root, sidecar, MAX_METADATA_BYTES, "a file")
        except StoryError as exc:
            raise StoryError(f"sidecar {sidecar.name}: {exc}") from None
        metadata = sidecar.read_bytes()
    story = parse_story(data, path.name, metadata, budget=budget)
    if not any(chapter.blocks for chapter in story.chapters):
        raise StoryError("no story text found")
    return story


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
