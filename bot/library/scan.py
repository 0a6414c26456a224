"""Which story files to read again: the folder as it is against the store as it was.

A file is known by its stamp, the size and modification time of the file and of its
sidecar; a stamp costs a `stat`, not a read. A file whose stamp and parser version match
what the store recorded is not read at all. Any other file is read and hashed: when its
bytes are ones the store has already parsed (a file touched, copied or moved), the stored
story is used and only the stamp is updated; otherwise it is parsed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.library.files import SIDECAR_SUFFIX
from bot.storage.stories import StoredFile


@dataclass(slots=True)
class Plan:
    """What a load does with each file: keep what the store has, read it, or forget it."""

    unchanged: list[str] = field(default_factory=list)
    to_read: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def plan(found: Mapping[str, str], stored: Mapping[str, StoredFile],
         parser_version: int) -> Plan:
    """Sort files (relative path -> stamp) against the store's rows, in the folder's order."""
    result = Plan()
    for path, stamp in found.items():
        known = stored.get(path)
        if known is not None and known.stamp == stamp and known.parser_version == parser_version:
            result.unchanged.append(path)
        else:
            result.to_read.append(path)
    result.removed = [path for path in stored if path not in found]
    return result


def stamp(path: Path) -> str:
    """`size:mtime_ns`, and the sidecar's after a `;` when there is one."""
    info = path.stat()
    text = f"{info.st_size}:{info.st_mtime_ns}"
    sidecar = path.with_suffix(SIDECAR_SUFFIX)
    try:
        side = sidecar.stat()
    except OSError:
        return text
    return f"{text};{side.st_size}:{side.st_mtime_ns}"


def content_hash(data: bytes, sidecar: bytes | None) -> str:
    """What a file and its sidecar hash to: equal bytes, equal stories."""
    digest = hashlib.sha256(len(data).to_bytes(8, "big"))
    digest.update(data)
    digest.update(b"\0" if sidecar is None else b"\1" + sidecar)
    return digest.hexdigest()
