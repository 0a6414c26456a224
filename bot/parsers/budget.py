"""What reading one story file may cost: time, markup, paragraphs and text.

A story file can be hostile: a few kilobytes that unpack to millions of paragraphs, markup
that makes a parser work for minutes. Each file is read under a `Budget`, which refuses it,
with `OverBudget` and a reason an admin can act on, once it goes past one of these limits:

- time: `PARSE_BUDGET_S` seconds, a generous multiple of what the longest real works take;
- HTML elements: `MAX_ELEMENTS`, counted in the bytes before a document is parsed, since the
  parsed tree costs some 300 bytes an element however little text it holds;
- paragraphs (blocks of any kind): `MAX_BLOCKS`, counted as they are made;
- characters of text: `MAX_CHARS`, counted once the story is read;
- metadata beside the text (a `.toml` sidecar, Markdown front matter): `MAX_METADATA_BYTES`.

The largest real works (some five million words, about 30 MB of text, a few hundred thousand
paragraphs) stay well inside every limit.

Reading runs in the bot's own process, so the time limit is cooperative: the parsers call
`spend` as they make blocks and at the other steps of their loops, and it raises once the
time is up. `reading` makes a budget the current one for the parsers it calls.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from bot.text.story import Story, StoryError

PARSE_BUDGET_S = 30.0
MAX_ELEMENTS = 1_000_000
MAX_BLOCKS = 1_000_000
MAX_CHARS = 50_000_000
MAX_METADATA_BYTES = 64 * 1024

# Steps between two looks at the clock: reading it costs more than a step.
_STEPS_PER_CHECK = 256


class OverBudget(StoryError):
    """A file that costs more to read than any story may: the message says which limit."""


class Budget:
    """The limits one file is read under, and what reading it has spent so far."""

    __slots__ = (
        "_clock", "_steps", "blocks", "deadline", "elements", "max_blocks", "max_chars",
        "max_elements", "seconds",
    )  # fmt: skip

    def __init__(
        self,
        seconds: float = PARSE_BUDGET_S,
        *,
        max_elements: int = MAX_ELEMENTS,
        max_blocks: int = MAX_BLOCKS,
        max_chars: int = MAX_CHARS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.max_elements = max_elements
        self.max_blocks = max_blocks
        self.max_chars = max_chars
        self._clock = clock
        self.deadline = clock() + seconds
        self.elements = 0
        self.blocks = 0
        self._steps = 0

    def check_time(self) -> None:
        """Raise `OverBudget` if the time is up."""
        if self._clock() > self.deadline:
            raise OverBudget(f"took longer than {self.seconds:g} s to read")

    def spend(self, blocks: int = 0) -> None:
        """Count `blocks` new blocks (none: one more step of a loop), and look at the clock
        every few hundred calls."""
        if blocks:
            self.blocks += blocks
            if self.blocks > self.max_blocks:
                raise OverBudget(f"too many paragraphs (over {self.max_blocks:,})")
        self._steps += 1
        if self._steps >= _STEPS_PER_CHECK:
            self._steps = 0
            self.check_time()

    def spend_markup(self, data: bytes | str) -> None:
        """Count the elements of an HTML or XML document about to be parsed.

        Every start tag begins with `<` and every end tag with `</`; the difference is an
        upper bound on the elements, found at the speed of a byte search.
        """
        if isinstance(data, str):
            count = data.count("<") - data.count("</")
        else:
            count = data.count(b"<") - data.count(b"</")
        self.elements += count
        if self.elements > self.max_elements:
            raise OverBudget(f"too many HTML elements (over {self.max_elements:,})")
        self.check_time()

    def check_story(self, story: Story) -> None:
        """Raise `OverBudget` if the finished story has too many blocks or characters, or the
        time is up."""
        blocks = chars = 0
        for chapter in story.chapters:
            blocks += len(chapter.blocks)
            chars += sum(len(block.plain) for block in chapter.blocks)
        if blocks > self.max_blocks:
            raise OverBudget(f"too many paragraphs (over {self.max_blocks:,})")
        if chars > self.max_chars:
            raise OverBudget(
                f"too much text once unpacked (over {self.max_chars / 1_000_000:g} million "
                "characters)"
            )
        self.check_time()


_current: ContextVar[Budget | None] = ContextVar("story_budget", default=None)


@contextlib.contextmanager
def reading(budget: Budget) -> Iterator[Budget]:
    """Make `budget` the one `spend` and `spend_markup` count against while reading a file."""
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def spend(blocks: int = 0) -> None:
    """`Budget.spend` on the budget of the file being read; nothing outside `reading`."""
    budget = _current.get()
    if budget is not None:
        budget.spend(blocks)


def spend_markup(data: bytes | str) -> None:
    """`Budget.spend_markup` on the budget of the file being read; nothing outside `reading`."""
    budget = _current.get()
    if budget is not None:
        budget.spend_markup(data)
