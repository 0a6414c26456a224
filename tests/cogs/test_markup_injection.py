"""Story metadata and members' words never inject markup into what the bot sends.

A story whose title, author, chapter titles, fandoms, tags, summary and notes carry a masked
link, mentions and bold is walked through every command and control; then every request the
bot sent is read, and no text Discord renders as markdown may hold a live masked link, a
mention badge or bold from the file.
"""

from __future__ import annotations

import re
from html import escape as html_escape
from pathlib import Path

import discord
import pytest

from tests.helpers import HOUR, MINUTE, admin_of, button, custom_ids, latest

LINK = "[Free Nitro](https://evil.example/claim)"
HOSTILE = f"{LINK} <@123> <@&456> **bold**"
NOTE = f"{LINK} <@&456> **bold** <@123>"
# What must not survive in rendered text: a masked link that still works, a mention that
# still renders as a badge, bold that came from the file.
LIVE = re.compile(r"\]\(https://evil\.example|<@&?(?:123|456)>|\*\*bold\*\*")

SENTENCES = (
    "The lamplighter counted the steps to the harbour wall, as he did every night.",
    "Someone had chalked [Free Nitro](https://evil.example/claim) on the ferry shed door "
    "again, with <@123> and <@&456> and **bold** scratched beneath it.",
    "Fog came in off the water in long grey sheets, slow and patient and endless.",
    "She folded the letter twice and put it in the pocket nearest her heart.",
)


def _paragraphs(seed: int, count: int) -> str:
    return "".join(
        "<p>" + html_escape(" ".join(SENTENCES[(seed + n + k) % len(SENTENCES)]
                                     for k in range(3))) + "</p>"
        for n in range(count)
    )


def _links(values: list[str]) -> str:
    return ", ".join(f'<a href="https://archiveofourown.org/tags/x">{html_escape(v)}</a>'
                     for v in values)


def hostile_html(rating: str) -> str:
    """An AO3 download whose every metadata field is hostile."""
    h = html_escape
    chapters = "".join(
        f'<div class="meta group"><h2 class="heading">{h(title)}</h2>'
        f'<p>Chapter Notes</p><blockquote class="userstuff"><p>{h(NOTE)}</p></blockquote>'
        f'</div><div class="userstuff">{_paragraphs(n, 6)}</div>'
        for n, title in enumerate((f"{LINK} <@&456>", "<@123> **bold**"))
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"/><title>{h(HOSTILE)}</title></head><body>
<div id="preface"><div class="meta"><dl class="tags">
<dt>Rating:</dt><dd><a href="https://archiveofourown.org/tags/r">{h(rating)}</a></dd>
<dt>Archive Warnings:</dt><dd>{_links([HOSTILE])}</dd>
<dt>Fandoms:</dt><dd>{_links([HOSTILE, "Original Work"])}</dd>
<dt>Relationships:</dt><dd>{_links([HOSTILE])}</dd>
<dt>Characters:</dt><dd>{_links([HOSTILE])}</dd>
<dt>Additional Tags:</dt><dd>{_links([HOSTILE, "Slow Burn"])}</dd>
<dt>Language:</dt><dd>{h(HOSTILE)}</dd>
<dt>Series:</dt><dd>Part 1 of {_links([HOSTILE])}</dd>
<dt>Stats:</dt><dd>Published: 2024-01-05 Words: 900 Chapters: 2/2</dd>
</dl>
<h1>{h(HOSTILE)}</h1>
<div class="byline">by <a rel="author" href="https://archiveofourown.org/users/x">{h(HOSTILE)}</a></div>
<p>Summary</p><blockquote class="userstuff"><p>{h(HOSTILE)}</p><p>{h(NOTE)}</p></blockquote>
<p>Notes</p><blockquote class="userstuff"><p>{h(NOTE)}</p></blockquote>
</div></div>
<div id="chapters" class="userstuff">{chapters}</div>
</body></html>
"""


@pytest.fixture
def stories_dir(stories_dir: Path) -> Path:
    (stories_dir / "hostile.html").write_text(hostile_html("General Audiences"), "utf-8")
    (stories_dir / "hostile-x.html").write_text(hostile_html("Explicit"), "utf-8")
    return stories_dir


def rendered_texts(value: object, *, in_embed: bool = False) -> list[str]:
    """Every string in a request body that Discord renders as markdown.

    Message content, and in embeds the title, description and field names and values.
    Footers, author names, button labels, select options, autocomplete choices and modal
    titles render no markdown and are left out.
    """
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                if (key == "content" and not in_embed) or (
                        in_embed and key in ("title", "description", "name", "value")):
                    found.append(item)
            elif key == "embeds":
                for embed in item or []:
                    found += rendered_texts(embed, in_embed=True)
            elif key == "fields" and in_embed:
                for field in item or []:
                    found += rendered_texts(field, in_embed=True)
            elif not in_embed and key not in ("components",):
                found += rendered_texts(item)
    elif isinstance(value, list) and not in_embed:
        for item in value:
            found += rendered_texts(item)
    return found


def injected(markdown: str) -> bool:
    """Whether hostile markup is still live once every escape pair is taken out."""
    return LIVE.search(re.sub(r"\\.", "\x00", markdown)) is not None


async def walk_everything(env, guild, channel, alice) -> None:
    """Every command and control that can show a story's or a member's words."""
    await env.bot.database.settings.update(guild.id, paging="both")
    # Not started yet: the note names the story.
    await alice.slash(channel, "continue", story="hostile")
    # Unknown names, filters and searches are echoed back.
    await alice.slash(channel, "read", story=LINK)
    await alice.slash(channel, "library", search=f"{LINK} zebra")
    await alice.slash(channel, "search", text=f"{LINK} zebra")
    await alice.slash(channel, "quote", text="<@123> zebra crossing")

    # Public reading: reactions, buttons, the go-to-page form, the chapter menu, 🔖.
    await alice.slash(channel, "read", story="hostile")
    page = latest(channel)
    await alice.react(page, "▶️")
    await alice.click(page, custom_id=button(latest(channel), "sb:nav:next"))
    form = await alice.click(page, custom_id=button(latest(channel), "sb:goto"))
    await alice.submit_modal(form, {"page": "2"})
    form = await alice.click(page, custom_id=button(latest(channel), "sb:goto"))
    await alice.submit_modal(form, {"page": "<@&456>"})
    await alice.select(page, ["2"], custom_id=button(latest(channel), "sb:chap"))
    await alice.click(page, custom_id=button(latest(channel), "sb:mark:add"))
    await alice.react(page, "🔖")
    # Clamped chapter and page numbers add a note naming the story.
    await alice.slash(channel, "read", story="hostile", chapter=9)
    await alice.slash(channel, "read", story="hostile", page=999)
    private = await alice.slash(channel, "read", story="hostile", private=True)
    await alice.click(private.response.message,
                      custom_id=button(private.response.message, "sb:mark:add"))
    await alice.slash(channel, "continue")
    await alice.slash(channel, "continue", story="hostile")

    # Bookmarks with a hostile note.
    await alice.slash(channel, "bookmark add", note=NOTE)
    listed = await alice.slash(channel, "bookmark list")
    opener = [cid for cid in custom_ids(listed.response.message) if "sb:marks:open" in cid]
    await alice.click(listed.response.message, custom_id=opener[0])
    choices = await alice.autocomplete(channel, "bookmark remove", "bookmark", "")
    await alice.slash(channel, "bookmark remove", bookmark=choices[-1]["value"])

    # The shelf and its continue button.
    shelf = await alice.slash(channel, "progress")
    await alice.click(shelf.response.message, custom_id="sb:shelf:go:hostile")

    # The library, the card, search and its buttons.
    await alice.slash(channel, "library")
    await alice.slash(channel, "library", search="Nitro")
    await alice.slash(channel, "library", fandom="Free Nitro")
    await alice.slash(channel, "library", tag="Free Nitro")
    await alice.slash(channel, "story", story="hostile")
    await alice.slash(channel, "story", story="hostile-x")
    found = await alice.slash(channel, "search", text="chalked")
    await alice.click(found.response.message,
                      custom_id=button(found.response.message, "sb:hit:hostile"))
    await alice.slash(channel, "search", text="chalked", story="hostile")
    await alice.slash(channel, "search", text="zebra", story="hostile")

    # Quotes, their button, and a schedule that posts one.
    quoted = await alice.slash(channel, "quote", story="hostile", text="chalked")
    await alice.click(quoted.response.message, label="Read from here")
    mod = await admin_of(env, guild)
    await mod.slash(channel, "quotes schedule", channel=channel, time="00:05", story="hostile")
    await env.advance_time(6 * MINUTE)
    await mod.slash(channel, "quotes list")
    await mod.slash(channel, "quotes schedule", channel=channel, time="<@123>")
    await mod.slash(channel, "quotes schedule", channel=channel, time="09:00", timezone=LINK)

    # Server pages.
    await alice.slash(channel, "stats")
    await mod.slash(channel, "settings")

    # The age gate refuses the hostile story by name in an ordinary channel.
    await alice.slash(channel, "read", story="hostile-x")
    await alice.slash(channel, "quote", story="hostile-x")
    await alice.slash(channel, "search", text="chalked", story="hostile-x")

    # Deletions, asked and confirmed.
    asked = await alice.slash(channel, "progress", reset="hostile")
    await alice.click(asked.response.message, custom_id=custom_ids(asked.response.message)[1])
    asked = await alice.slash(channel, "progress", reset="hostile")
    await alice.click(asked.response.message,
                      custom_id=button(asked.response.message, "sb:confirm"))
    await alice.slash(channel, "progress", reset="hostile")
    asked = await alice.slash(channel, "forgetme")
    await alice.click(asked.response.message,
                      custom_id=button(asked.response.message, "sb:confirm"))
    await env.advance_time(HOUR)


async def test_no_story_or_member_text_injects_markup(env, guild, channel, alice):
    await walk_everything(env, guild, channel, alice)
    assert not env.errors

    texts = [text for request in env.http_requests for text in rendered_texts(request.json)]
    shown = "\n".join(texts)
    # The walk did show the hostile strings, escaped: title, author, note and summary.
    assert "]\\(https://evil.example" in shown
    assert "\\<@123>" in shown and "\\<@&456>" in shown
    assert "\\*\\*bold\\*\\*" in shown
    assert [text for text in texts if injected(text)] == []


async def test_plain_text_places_show_the_words_unescaped(env, guild, channel, alice):
    """Footers, author lines, buttons and menus render no markdown: no stray backslashes."""
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="hostile")
    page = latest(channel)
    embed = page.embeds[0]
    assert embed.author.name == f"by {HOSTILE}"
    assert (embed.footer.text or "").startswith(f"Chapter 1 · {LINK} <@&456> — page 1/")
    menu = next(row for row in page.components
                if any(isinstance(c, discord.SelectMenu) for c in row.children))
    labels = [option.label for option in menu.children[0].options]
    assert labels == [f"1. {LINK} <@&456>", "2. <@123> **bold**"]
