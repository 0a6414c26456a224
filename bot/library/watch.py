"""Watching the stories folder, so a changed library reloads by itself (`WATCH_STORIES=1`).

watchfiles (inotify on Linux, the platform's own notices elsewhere, polling as a last
resort) reports changes in batches; a batch closes once the folder has been quiet for the
debounce time, so copying fifty files in is one reload, not fifty. Only story files and
their sidecars count: an editor's swap file or a hidden folder changes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import watchfiles

from bot.library.scan import SIDECAR_SUFFIX
from bot.parsers import FORMATS

log = logging.getLogger(__name__)

#: How long the folder stays quiet before a batch of changes is acted on.
DEBOUNCE_MS = 1500


def counts(root: Path, path: str) -> bool:
    """Whether a change to `path` can change the library: a story file or a sidecar,
    outside hidden files and folders."""
    try:
        relative = Path(path).resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(Path(path).name)
    if any(part.startswith(".") for part in relative.parts):
        return False
    suffix = relative.suffix.lower()
    return suffix in FORMATS or suffix == SIDECAR_SUFFIX


class FolderWatcher:
    """Watches a folder in a thread of its own and calls `changed(number of files)` from
    that thread after each quiet batch of story changes.

    Nothing waits on the event loop meanwhile: the caller hands each batch to its loop
    (`loop.call_soon_threadsafe`). `stop` ends the watch within a fraction of a second; a
    folder that cannot be watched is logged once, and `/stories reload` still works.
    """

    def __init__(self, root: Path, changed: Callable[[int], None], *,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        self.root = Path(root)
        self._changed = changed
        self._debounce_ms = debounce_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stories-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        root = self.root
        try:
            for batch in watchfiles.watch(
                    root, debounce=self._debounce_ms, stop_event=self._stop, recursive=True,
                    watch_filter=lambda _change, path: counts(root, path),
                    raise_interrupt=False):
                try:
                    self._changed(len({path for _change, path in batch}))
                except Exception:
                    log.exception("Handing on a change in %s failed", root)
        except OSError as exc:
            log.warning("Cannot watch the stories folder %s (%s); use /stories reload "
                        "instead", root, exc)
