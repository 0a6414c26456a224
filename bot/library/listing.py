"""Library listings, story cards and search results, decided without Discord.

Which stories a `/library` filter keeps and in what order, how the listing is cut into
pages, how a member's progress reads in a cell, what a story card holds (and what it holds
back for an age-gated story), and how a search snippet is highlighted. Everything returned
is Discord markdown with story text escaped, already cut to Discord's limits; the cog only
puts it into embeds.

The listing is in the library's order, alphabetical by title: every story has a title, while
dates exist only for some formats, so "newest first" could not be applied to all of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.library.lookup import GATED_MARK
from bot.storage.progress import Progress
from bot.text.formatting import (
    bar,
    clamp_page,
    clip,
    clip_lines,
    fraction,
    inline,
    page_count,
    page_offset,
)
from bot.text.markup import escape, render_block, render_runs, slice_runs
from bot.text.ratings import TABLE
from bot.text.story import BLOCK_SEPARATOR, Block, BlockKind, Story

T = TypeVar("T")

#: Marks a story a server added itself, in that server's listings.
OWN_MARK = "📌"

LISTING_PAGE_SIZE = 8
FIELD_LIMIT = 1024
TITLE_LIMIT = 256
# Discord allows 6000 characters per embed; the rest is headroom for the cog's own text.
CARD_BUDGET = 5800
SUMMARY_LIMIT = 1500
CHAPTER_TITLES_MAX = 8


def fold(text: str) -> str:
    """`text` for matching: case and accents ignored ("Pokémon" matches "pokemon")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- filtering the listing ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListingFilters:
    """What `/library` was asked to show; empty strings mean no filter."""

    search: str = ""
    fandom: str = ""
    tag: str = ""
    rating: str = ""

    def __bool__(self) -> bool:
        return any((self.search.strip(), self.fandom.strip(), self.tag.strip(), self.rating))

    def describe(self) -> str:
        """The filters as markdown, e.g. `search “tide” · rating Mature`."""
        parts = []
        for label, value in (("search", self.search), ("fandom", self.fandom),
                             ("tag", self.tag)):
            if value.strip():
                parts.append(f"{label} “{inline(value, 60)}”")
        if self.rating:
            parts.append(f"rating {self.rating}")
        return " · ".join(parts)


def story_tags(story: Story) -> tuple[str, ...]:
    """The tags a `tag` filter looks in: AO3's relationship, character, category and
    additional tags. Archive warnings are left out: they show only as spoilers."""
    meta = story.meta
    return (*meta.relationships, *meta.characters, *meta.categories, *meta.tags)


def matches(story: Story, filters: ListingFilters) -> bool:
    """Whether `story` passes every filter.

    `search` needs each of its words somewhere in the title, author, fandoms, tags or id;
    `fandom` and `tag` are substrings of one fandom or tag; `rating` is a rating's name.
    All of them ignore case and accents.
    """
    meta = story.meta
    if filters.rating and meta.rating != filters.rating:
        return False
    if filters.fandom.strip():
        wanted = fold(filters.fandom.strip())
        if not any(wanted in fold(fandom) for fandom in meta.fandoms):
            return False
    if filters.tag.strip():
        wanted = fold(filters.tag.strip())
        if not any(wanted in fold(tag) for tag in story_tags(story)):
            return False
    if filters.search.strip():
        haystack = fold(" \n".join((story.title, meta.author, story.id, *meta.fandoms,
                                    *story_tags(story))))
        if not all(word in haystack for word in fold(filters.search).split()):
            return False
    return True


def filter_stories(stories: Iterable[Story], filters: ListingFilters) -> list[Story]:
    """The stories passing `filters`, in the order given (the library's: by title)."""
    return [story for story in stories if matches(story, filters)]


def facet_choices(values: Iterable[str], current: str, limit: int = 25) -> list[str]:
    """Autocomplete for fandom and tag options: distinct values containing `current`,
    those starting with it first, then alphabetical."""
    wanted = fold(current.strip())
    seen: dict[str, str] = {}
    for value in values:
        key = fold(value)
        if value.strip() and wanted in key and key not in seen:
            seen[key] = value
    ranked = sorted(seen.items(), key=lambda kv: (not kv[0].startswith(wanted), kv[0]))
    return [value for _, value in ranked[:limit]]


# --- paging the listing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListingPage:
    """One page of a listing: `items` are positions `start`.. of the whole list."""

    number: int  # 1-based
    total: int
    start: int
    items: tuple

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.total


def listing_page(items: Sequence[T], number: int, per_page: int = LISTING_PAGE_SIZE
                 ) -> ListingPage:
    """Page `number` (1-based, clamped to the pages there are) of `items`."""
    total = page_count(len(items), per_page)
    number = clamp_page(number, len(items), per_page)
    start = page_offset(number, per_page)
    return ListingPage(number, total, start, tuple(items[start : start + per_page]))


# --- progress ------------------------------------------------------------------------------------


def progress_share(progress: Progress) -> float:
    """How far through the story the member has read (their furthest page), 0-1."""
    if progress.finished_at is not None:
        return 1.0
    return fraction(progress.furthest, progress.length)


def progress_cell(progress: Progress | None) -> str:
    """A progress cell: `▰▰▱▱▱▱▱ 28%`, `▰▰▰▰▰▰▰ ✓ finished` or `not started`."""
    if progress is None:
        return "not started"
    if progress.finished_at is not None:
        return f"{bar(1.0)} ✓ finished"
    share = progress_share(progress)
    return f"{bar(share)} {int(share * 100)}%"


def reader_progress(progress: Progress | None, page: int, pages: int, story_id: str) -> str:
    """A story card's progress line, with the page of the member's saved place."""
    if progress is None:
        return f"Not started yet — `/read {story_id}` opens it."
    share = progress_share(progress)
    where = f"page {page}/{pages}"
    if progress.finished_at is not None:
        return f"{bar(1.0)} ✓ Finished · saved at {where}"
    return f"{bar(share)} {int(share * 100)}% · saved at {where}"


# --- the library listing -------------------------------------------------------------------------


def listing_line(number: int, story: Story, *, words: int, gated: bool,
               progress: Progress | None, own: bool = False) -> str:
    """Two lines for one story in the listing.

    `3.` 📌 🔞 **Title** by Author · `id`
    Mature · 12,345 words · 4 chapters · ▰▰▱▱▱▱▱ 28%

    📌 marks a story this server added itself (`own`).
    """
    meta = story.meta
    mark = (f"{OWN_MARK} " if own else "") + (f"{GATED_MARK} " if gated else "")
    by = f" by {inline(meta.author, 50)}" if meta.author else ""
    chapters = len(story.chapters)
    details = " · ".join((
        TABLE[meta.rating].short if meta.rating in TABLE else clip(meta.rating, 30),
        f"{words:,} words",
        f"{chapters} chapter{'s' if chapters != 1 else ''}",
        progress_cell(progress),
    ))
    return f"`{number}.` {mark}**{inline(story.title, 90)}**{by} · `{story.id}`\n{details}"


def empty_listing_message(filters: ListingFilters, library_size: int) -> str:
    """What to say when a listing has nothing to show."""
    if library_size == 0:
        return "The library is empty for now: an admin adds stories to the stories folder."
    return (f"No stories match {filters.describe()}. Try dropping a filter, or run "
            "`/library` on its own to see the whole shelf.")


# --- story cards ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class StoryCard:
    """What `/story` shows, within Discord's limits: the title, description and fields as
    markdown with story text escaped, the author line and footer as plain text (Discord
    renders no markdown there)."""

    title: str
    url: str | None
    author: str
    rating: str
    description: str
    fields: tuple[CardField, ...]
    footer: str

    def __len__(self) -> int:
        """Characters Discord counts against its 6000 per embed."""
        return (len(self.title) + len(self.author) + len(self.description) + len(self.footer)
                + sum(len(f.name) + len(f.value) for f in self.fields))


def join_clipped(items: Sequence[str], limit: int, *, spoiler: bool = False) -> str:
    """`items` escaped and joined with commas, whole items only, within `limit` characters.

    What does not fit is counted (`… and 12 more`). With `spoiler`, each item is hidden
    behind its own `||spoiler||`.
    """
    out: list[str] = []
    used = 0
    for index, item in enumerate(items):
        text = inline(item, 200)
        if spoiler:
            text = f"||{text}||"
        rest = len(items) - index - 1
        tail = len(f", … and {rest} more") if rest else 0
        cost = len(text) + (2 if out else 0)
        if used + cost + tail > limit:
            more = len(items) - index
            note = f"… and {more} more"
            return (", ".join(out) + ", " + note) if out else note
        out.append(text)
        used += cost
    return ", ".join(out)


def summary_markdown(blocks: Sequence[Block], limit: int = SUMMARY_LIMIT) -> str:
    """A summary's blocks rendered as on a page, cut between words to `limit` characters.

    A cut block is re-rendered from a slice of its runs, so no italics or bold span is
    left open by the cut.
    """
    parts: list[str] = []
    used = 0
    for block in blocks:
        if block.kind is BlockKind.BREAK and not parts:
            continue
        rendered = render_block(block)
        separator = len(BLOCK_SEPARATOR) if parts else 0
        if used + separator + len(rendered) <= limit:
            parts.append(rendered)
            used += separator + len(rendered)
            continue
        room = limit - used - separator - 1  # one for the ellipsis
        cut = _cut_block(block, room)
        if cut:
            parts.append(cut + "…")
        elif parts:
            parts[-1] = parts[-1] + " …"
        break
    return BLOCK_SEPARATOR.join(parts)


def _cut_block(block: Block, room: int) -> str:
    """The longest start of `block`, ending between words, that renders within `room`."""
    if room < 20 or block.kind is BlockKind.BREAK:
        return ""
    plain = block.plain
    lo, hi = 0, len(plain)
    # Rendered text is never shorter than plain text, so the answer is at most `room` long.
    hi = min(hi, room)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(_render_prefix(block, mid)) <= room:
            lo = mid
        else:
            hi = mid - 1
    space = plain.rfind(" ", 0, lo)
    end = space if space > lo // 2 else lo
    return _render_prefix(block, end).rstrip()


def _render_prefix(block: Block, end: int) -> str:
    runs = slice_runs(block.runs, 0, end)
    if block.kind is BlockKind.PARAGRAPH:
        return render_runs(runs)
    return render_block(block, runs)


def withheld_line(rating: str) -> str:
    """Why an age-gated story's card has no summary here."""
    return (f"{GATED_MARK} Rated {rating}: the summary shows only in age-restricted channels "
            "or in a DM with me.")


def story_card(
    story: Story,
    *,
    words: int,
    gated: bool,
    show_text: bool,
    link: str | None,
    progress_line: str,
    progress_title: str = "Your progress",
    origin: str | None = None,
) -> StoryCard:
    """The info card for `story`.

    `origin` says where a server's own story came from (an upload, or an AO3 work and when
    it was last checked).

    `gated` marks the rating with 🔞; without `show_text` the summary is replaced by a line
    saying why. `link` is the story's source URL when it is a usable web link (`is_link`).
    `progress_title` is markdown: a member's name in it comes escaped.
    """
    meta = story.meta
    if show_text:
        description = summary_markdown(meta.summary) or "*No summary.*"
    else:
        description = withheld_line(meta.rating)
    chapters = story.chapters
    fixed = [
        CardField("Rating", meta.rating + (f" {GATED_MARK}" if gated else ""), True),
        CardField("Words", _word_figure(words, meta.declared_words), True),
        CardField("Chapters", str(len(chapters)), True),
    ]
    if meta.language:
        fixed.append(CardField("Language", inline(meta.language, 100), True))
    dates = [f"{label} {value}" for label, value in (
        ("Published", meta.published), ("Updated", meta.updated), ("Completed", meta.completed)
    ) if value]
    if dates:
        fixed.append(CardField("Dates", inline(" · ".join(dates), 200), True))
    lists = [
        ("Archive warnings", meta.warnings, True),
        ("Fandoms", meta.fandoms, False),
        ("Relationships", meta.relationships, False),
        ("Characters", meta.characters, False),
        ("Tags", meta.tags, False),
    ]
    after = []
    if 1 < len(chapters) <= CHAPTER_TITLES_MAX:
        titles = [f"{n}. {inline(ch.title, 90) or f'Chapter {n}'}"
                  for n, ch in enumerate(chapters, 1)]
        after.append(CardField("Chapter titles", clip_lines(titles, FIELD_LIMIT)))
    if link and len(link) <= FIELD_LIMIT:
        after.append(CardField("Source", link))
    if origin:
        after.append(CardField("In this server", origin[:FIELD_LIMIT]))
    after.append(CardField(clip(progress_title, TITLE_LIMIT), progress_line[:FIELD_LIMIT]))
    title = inline(meta.title, TITLE_LIMIT)  # embed titles render markdown; author lines do not
    author = clip(f"by {meta.author}", TITLE_LIMIT) if meta.author else ""
    footer = f"Open it with /read {story.id}"
    budget = CARD_BUDGET - len(title) - len(author) - len(description) - len(footer) - sum(
        len(f.name) + len(f.value) for f in (*fixed, *after)
    )
    listed = _fit_lists([(n, v, s) for n, v, s in lists if v], budget)
    return StoryCard(title, link, author, meta.rating, description,
                     (*fixed, *listed, *after), footer)


def _word_figure(words: int, declared: int | None) -> str:
    """`12,345`, with the count the file itself states when that differs."""
    if declared is None or declared == words:
        return f"{words:,}"
    return f"{words:,} (the file says {declared:,})"


def _fit_lists(lists: list[tuple[str, Sequence[str], bool]], budget: int) -> list[CardField]:
    """Fields for the tag lists, sharing `budget` characters fairly: short lists take what
    they need and the long ones split the rest, each within a field's 1024."""
    sizes = {}
    for name, items, spoiler in lists:
        sizes[name] = len(join_clipped(items, 10**9, spoiler=spoiler)) + len(name)
    remaining = max(budget, 0)
    left = len(lists)
    values: dict[str, str] = {}
    for name, items, spoiler in sorted(lists, key=lambda entry: sizes[entry[0]]):
        share = min(FIELD_LIMIT, remaining // max(left, 1) - len(name))
        value = join_clipped(items, max(share, 20), spoiler=spoiler)
        values[name] = value
        remaining -= len(value) + len(name)
        left -= 1
    return [CardField(name, values[name]) for name, _, _ in lists]


# --- search results ------------------------------------------------------------------------------


def highlight(snippet: str, marks: Sequence[tuple[int, int]]) -> str:
    """A plain-text snippet as markdown: escaped, with the marked spans in bold."""
    parts: list[str] = []
    position = 0
    for start, end in sorted(marks):
        if start < position or end <= start:
            continue
        parts.append(escape(snippet[position:start], line_start=not parts))
        parts.append(f"**{escape(snippet[start:end], line_start=False)}**")
        position = end
    parts.append(escape(snippet[position:], line_start=not parts))
    return "".join(parts)


def hit_line(number: int, story: Story, *, chapter: int, page: int, pages: int,
             snippet_markdown: str) -> str:
    """A search result: where it is, then the highlighted snippet quoted below."""
    where = [f"page {page}/{pages}"]
    if len(story.chapters) > 1:
        where.insert(0, f"Chapter {chapter + 1}")
    head = f"`{number}.` **{inline(story.title, 100)}** · {' · '.join(where)}"
    return f"{head}\n> {snippet_markdown}"


def hit_label(number: int, story: Story, page: int) -> str:
    """A hit's button label (Discord allows 80 characters)."""
    return clip(f"{number}. {story.title}", 64) + f" · p. {page}"
