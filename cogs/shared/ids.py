"""Custom ids: the state a control carries through restarts, and the one story-id pattern.

Every persistent control's id starts with `sb:` and is matched by a template here, so the
ids a feature sends and the ids it accepts back are written once.
"""

from __future__ import annotations

from bot.library.lookup import STORY_ID_PATTERN

STORY = f"(?P<story>{STORY_ID_PATTERN})"
OWNER_POSITION = r"(?P<owner>\d+):(?P<pos>\d+):"

NAV = r"sb:nav:(?P<action>first|prev|next|last):" + OWNER_POSITION + STORY
GOTO = r"sb:goto:" + OWNER_POSITION + STORY
GOTO_FORM = r"sb:gotoform:" + OWNER_POSITION + STORY + "$"
CHAPTER = r"sb:chap:" + OWNER_POSITION + STORY
BOOKMARK = r"sb:mark:add:" + OWNER_POSITION + STORY
CONTINUE = r"sb:shelf:go:" + STORY
LIST_PAGE = r"sb:(?P<kind>shelf|marks):page:(?P<owner>\d+):(?P<page>\d+)"
OPEN_BOOKMARK = r"sb:marks:open:(?P<id>\d+)"
CONFIRM = r"sb:confirm:(?P<code>[0-9a-f]{16}):(?P<answer>yes|no)"
REMOVE = r"sb:remove:(?P<code>[0-9a-f]{16}):(?P<answer>yes|no)"
LISTING = r"sb:lib:(?P<listing>[0-9a-f]{1,32}):(?P<action>prev|next)"
HIT = r"sb:hit:" + STORY + r":(?P<pos>\d{1,12})"
QUOTE = r"sb:quote:(?P<pos>\d+):" + STORY


def nav(action: str, owner: int, position: int, story_id: str) -> str:
    return f"sb:nav:{action}:{owner}:{position}:{story_id}"


def goto(owner: int, position: int, story_id: str) -> str:
    return f"sb:goto:{owner}:{position}:{story_id}"


def goto_form(owner: int, position: int, story_id: str) -> str:
    return f"sb:gotoform:{owner}:{position}:{story_id}"


def chapter(owner: int, position: int, story_id: str) -> str:
    return f"sb:chap:{owner}:{position}:{story_id}"


def bookmark(owner: int, position: int, story_id: str) -> str:
    return f"sb:mark:add:{owner}:{position}:{story_id}"


def continue_(story_id: str) -> str:
    return f"sb:shelf:go:{story_id}"


def list_page(kind: str, owner: int, page: int) -> str:
    return f"sb:{kind}:page:{owner}:{page}"


def open_bookmark(bookmark_id: int) -> str:
    return f"sb:marks:open:{bookmark_id}"


def confirm(code: str, answer: str) -> str:
    return f"sb:confirm:{code}:{answer}"


def remove(code: str, answer: str) -> str:
    return f"sb:remove:{code}:{answer}"


def listing(listing_id: str, action: str) -> str:
    return f"sb:lib:{listing_id}:{action}"


def hit(story_id: str, position: int) -> str:
    return f"sb:hit:{story_id}:{position}"


def quote(story_id: str, position: int) -> str:
    return f"sb:quote:{position}:{story_id}"
