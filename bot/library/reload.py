"""What a library reload changed, in words for the owner who asked for it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.library.catalogue import Library, Problem
from bot.text.formatting import clip_lines, inline, plural

#: Titles named in a reload's answer before "and N more".
NAMED = 10


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """Stories added, removed and updated by a reload, and the files it skipped."""

    stories: int
    added: tuple[str, ...]  # titles
    removed: tuple[str, ...]
    updated: tuple[str, ...]
    skipped: tuple[Problem, ...]


def reload_report(before: Library, after: Library) -> ReloadReport:
    """Compare two loads of the library, story by story."""
    added = tuple(story.title for story in after if story.id not in before)
    removed = tuple(story.title for story in before if story.id not in after)
    updated = []
    for story in after:
        if story.id in before and (
                before.entry(story.id).content_hash != after.entry(story.id).content_hash):
            updated.append(story.title)
    return ReloadReport(len(after), added, removed, tuple(updated), tuple(after.errors))


def describe_reload(report: ReloadReport) -> str:
    """`Reloaded the library: 12 stories. New: …`, within one Discord message."""
    lines = [f"Reloaded the library: {plural(report.stories, 'story', 'stories')}."]
    for label, titles in (("New", report.added), ("Updated", report.updated),
                          ("Gone", report.removed)):
        if titles:
            named = ", ".join(f"**{inline(title, 80)}**" for title in titles[:NAMED])
            more = f" and {len(titles) - NAMED} more" if len(titles) > NAMED else ""
            lines.append(f"{label}: {named}{more}.")
    if not (report.added or report.updated or report.removed):
        lines.append("Nothing changed since the last load.")
    if report.skipped:
        lines.append(f"Skipped {plural(len(report.skipped), 'file')} "
                     "(`python -m bot check` lists them too):")
        lines.extend(f"- {inline(problem.file, 120)}: {inline(problem.error, 200)}"
                     for problem in report.skipped)
    return clip_lines(lines, 1900)


def describe_progress(done: int, total: int) -> str:
    """The answer while a reload is reading files."""
    if total == 0:
        return "Reloading the library…"
    return f"Reloading the library: {done:,} of {total:,} files read…"
