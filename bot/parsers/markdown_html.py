"""Raw HTML in Markdown text: which tags are HTML elements, the styles and breaks they give a
paragraph, the elements whose content is hidden, and where hidden HTML ends.
"""

from __future__ import annotations

import functools
import re

from bot.text.story import SCENE_BREAK, Style

# Every HTML element name, current and obsolete. Markdown passes raw HTML through to the page,
# where a browser hides the tags. Only these names, and custom elements (whose names hold a
# hyphen), are read as tags: a `<Name>` that is no element, such as a chat log's `<Ann> hi`,
# was meant as text.
HTML_ELEMENTS = frozenset(
    (
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base",
        "basefont", "bdi", "bdo", "big", "blink", "blockquote", "body", "br", "button", "canvas",
        "caption", "center", "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del",
        "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "embed", "fieldset",
        "figcaption", "figure", "font", "footer", "form", "frame", "frameset", "h1", "h2", "h3",
        "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "i", "iframe", "img",
        "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark", "marquee",
        "math", "menu", "menuitem", "meta", "meter", "nav", "nobr", "noembed", "noframes",
        "noscript", "object", "ol", "optgroup", "option", "output", "p", "param", "picture",
        "plaintext", "pre", "progress", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp",
        "script", "search", "section", "select", "slot", "small", "source", "span", "strike",
        "strong", "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template",
        "textarea", "tfoot", "th", "thead", "time", "title", "tr", "track", "tt", "u", "ul",
        "var", "video", "wbr", "xmp",
    )
)  # fmt: skip

# CommonMark's open and closing tags. Bounded and possessive, like inline Markdown's link
# pattern, so that a `<` that opens no tag costs a short scan however much text follows it.
HTML_TAG = re.compile(
    r"<(?:([A-Za-z][A-Za-z0-9\-]{0,40}+)"  # 1: an open tag's name
    r"(?:[ \t\n]++[A-Za-z_:][A-Za-z0-9_.:\-]{0,100}+(?:[ \t\n]*+=[ \t\n]*+"
    r"(?:[^\s\"'=<>`]{1,2000}+|'[^']{0,2000}+'|\"[^\"]{0,2000}+\"))?+){0,100}+"
    r"[ \t\n]*+(/?)>"  # 2: a self-closing slash
    r"|/([A-Za-z][A-Za-z0-9\-]{0,40}+)[ \t\n]*+>)"  # 3: a closing tag's name
)
# The other raw HTML CommonMark passes through, none of it shown: what opens each and what
# closes it.
_HIDDEN_HTML = (("<!--", "-->"), ("<?", "?>"), ("<![CDATA[", "]]>"), ("<!", ">"))

_ITALIC_BIT, _BOLD_BIT = int(Style.ITALIC), int(Style.BOLD)
_UNDERLINE_BIT, _STRIKE_BIT = int(Style.UNDERLINE), int(Style.STRIKE)
TAG_STYLES = {
    "i": _ITALIC_BIT,
    "em": _ITALIC_BIT,
    "cite": _ITALIC_BIT,
    "var": _ITALIC_BIT,
    "dfn": _ITALIC_BIT,
    "b": _BOLD_BIT,
    "strong": _BOLD_BIT,
    "u": _UNDERLINE_BIT,
    "ins": _UNDERLINE_BIT,
    "s": _STRIKE_BIT,
    "strike": _STRIKE_BIT,
    "del": _STRIKE_BIT,
}
# Elements a browser lays out as blocks: inside a paragraph they start a new one.
_BLOCK_ELEMENTS = frozenset(
    (
        "address", "article", "aside", "blockquote", "caption", "center", "dd", "details",
        "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "legend", "li", "main", "menu",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    )
)  # fmt: skip
# What a line break, a rule and block elements put in a paragraph.
BREAKS = {
    "br": ("\n",),
    "hr": ("\n\n", SCENE_BREAK, "\n\n"),
    **{name: ("\n\n",) for name in _BLOCK_ELEMENTS},
}
# Elements whose content a reader never sees as text.
HIDDEN_ELEMENTS = frozenset(
    ("script", "style", "template", "noscript", "title", "textarea", "rt", "rp", "svg", "math")
)


@functools.lru_cache(maxsize=32)
def _closing_tag(name: str) -> re.Pattern[str]:
    return re.compile(f"</{name}[ \t\n]*>", re.IGNORECASE)


def element_end(text: str, start: int, name: str, unclosed: set[str]) -> int:
    """Where an element whose content is hidden ends: after its closing tag, if it has one.

    `unclosed` remembers the names found with no closing tag, so that a flood of them is
    searched for once, not once each.
    """
    if name in unclosed:
        return start
    close = _closing_tag(name).search(text, start)
    if close is None:
        unclosed.add(name)
        return start
    return close.end()


def hidden_html_end(text: str, start: int, unclosed: set[str]) -> int:
    """Where the comment, processing instruction, declaration or CDATA section at `start`
    ends; 0 if none starts there, or it never ends."""
    if text.startswith("<!--", start):
        if text.startswith(">", start + 4):
            return start + 5
        if text.startswith("->", start + 4):
            return start + 6
    opener, closer = next(
        ((o, c) for o, c in _HIDDEN_HTML if text.startswith(o, start)), ("", "")
    )
    if not opener:
        return 0
    if opener == "<!":
        letter = text[start + 2 : start + 3]
        if not (letter.isascii() and letter.isalpha()):
            return 0
    if opener in unclosed:
        return 0
    found = text.find(closer, start + len(opener))
    if found < 0:
        unclosed.add(opener)
        return 0
    return found + len(closer)
