"""The stories folder's rules for what is read, and reading one story file.

A story file is a regular file under the folder with a story extension, not hidden, at
most the size limit, and inside the folder even through links; its `NAME.toml` sidecar,
when there is one, keeps the same rules at `MAX_METADATA_BYTES`. A file that breaks a rule
gets a `StoryError` naming the rule, as does one that gives no story text.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator
from pathlib import Path

from bot.parsers import FORMATS, parse_story
from bot.parsers.budget import MAX_METADATA_BYTES, Budget
from bot.text.story import Story, StoryError

SIDECAR_SUFFIX = ".toml"


def candidates(root: Path) -> Iterator[Path]:
    """Files (and things named like them) that look like stories, in a stable order, and
    the linked subfolders that lead outside the folder, which are not searched and which
    `read_file` refuses."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        linked_away = path.is_symlink() and path.is_dir() and leads_outside(root, path)
        if path.suffix.lower() in FORMATS or linked_away:
            yield path


def leads_outside(root: Path, path: Path) -> bool:
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links leads nowhere inside either
        return True


def check_size(root: Path, path: Path, max_bytes: int, kind: str = "a story file") -> int:
    """The size of `path`, a file the library reads, once it keeps the folder's rules: a
    regular file, inside the folder even through links, at most `max_bytes`.

    Raises `StoryError` naming the rule it breaks; `kind` is what the file should be.
    """
    folders = path.relative_to(root).parents
    if (path.is_symlink() or any((root / folder).is_symlink() for folder in folders)) and (
        leads_outside(root, path)
    ):
        raise StoryError("it links outside the stories folder")
    if path.is_dir():
        raise StoryError(f"it is a folder, not {kind}")
    if not path.is_file():
        raise StoryError("it is not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise StoryError(f"it is {amount(size)}, over the {amount(max_bytes, 0)} limit")
    return size


def amount(size: int, places: int = 1) -> str:
    if size < 1_048_576:
        return f"{size / 1024:.{places}f} KB"
    return f"{size / 1_048_576:.{places}f} MB"


def read_file(root: Path, path: Path, max_bytes: int) -> tuple[bytes, bytes | None]:
    """A story file's bytes and its sidecar's (None without one), once both keep the rules."""
    if check_size(root, path, max_bytes) == 0:
        raise StoryError("the file is empty")
    data = path.read_bytes()
    sidecar = path.with_suffix(SIDECAR_SUFFIX)
    metadata = None
    if sidecar.exists() or sidecar.is_symlink():
        try:
            check_size(root, sidecar, MAX_METADATA_BYTES, "a file")
        except StoryError as exc:
            raise StoryError(f"sidecar {sidecar.name}: {exc}") from None
        metadata = sidecar.read_bytes()
    return data, metadata


def parse_file(data: bytes, metadata: bytes | None, name: str, budget: Budget) -> Story:
    """The story in a file's bytes, with its sidecar's metadata over it."""
    story = parse_story(data, name, metadata, budget=budget)
    if not any(chapter.blocks for chapter in story.chapters):
        raise StoryError("no story text found")
    return story


def release_parser_memory() -> None:
    """Give the heap the HTML parser freed back to the system.

    libxml2 allocates with the C allocator, which keeps freed memory for reuse; after a
    library load that is tens of megabytes the bot will not need again.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)
