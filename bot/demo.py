"""`python -m bot demo`: the real bot in an in-memory Discord, shown in a local browser page.

The unchanged bot (`create_bot(config)`) runs inside SimCord (`simcord[preview]`, installed with
`pip install -e ".[demo]"`). A server "Reading Room" with `#reading` and `#quotes`, a member to
act as, and an hourly quote schedule on `#quotes` are set up. The printed address is the demo's
front page: it lists the two channels, and choosing one opens SimCord's preview page for it, whose
composer runs slash commands as that member. SimCord shows one channel per preview session, so
choosing the other channel ends the first page's session; the server itself carries on. Everything
listens on loopback only. No Discord account or token is needed. It runs until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import signal
import socket
import sys
import tempfile
import time
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import ClassVar

from bot.config import Config, ConfigError
from bot.storage.database import DatabaseUnusable

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
GUILD_NAME = "Reading Room"
MEMBER_NAME = "reader"
FIRST_QUOTE_AFTER = 15  # seconds after start; then every hour


class DemoError(Exception):
    """A demo that cannot start; the message says why."""


def check_loopback(host: str) -> str:
    """Return `host` when it is a loopback address; raise DemoError for anything else.

    The preview page's address is a credential (anyone who can open it acts as the member),
    so the demo never listens beyond this machine.
    """
    name = (host or "").strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return name
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        raise DemoError(f"the demo only listens on loopback (127.0.0.1); {host!r} is not "
                        "a loopback address") from None
    if not address.is_loopback:
        raise DemoError(f"the demo only listens on loopback (127.0.0.1); {host!r} is "
                        "reachable from other machines")
    return name


def has_display(env: Mapping[str, str]) -> bool:
    """A desktop session where `webbrowser.open` can show a window."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _require_simcord() -> None:
    try:
        import simcord
        import simcord.preview  # noqa: F401
    except ImportError as exc:
        raise DemoError('the demo needs SimCord\'s preview: pip install -e ".[demo]"') from exc


@dataclass(frozen=True)
class DemoChannel:
    """A channel listed on the front page: its name, what it is for, and SimCord's handle."""

    name: str
    about: str
    handle: object


async def _set_up_world(env, bot):
    """The Reading Room server, its channels, the member and the quote schedule."""
    import discord

    guild = env.create_guild(GUILD_NAME)
    reading = guild.create_text_channel("reading")
    quotes = guild.create_text_channel("quotes")
    # The member runs the server too, so `/settings` and `/quotes schedule` can be tried.
    librarian = guild.create_role("Librarian",
                                  permissions=discord.Permissions(manage_guild=True))
    member = guild.add_member(env.create_user(MEMBER_NAME, global_name="Reader"),
                              roles=[librarian])
    await bot.tree.sync()
    # Show both ways of turning pages (what `/settings` paging: both does).
    await bot.database.settings.update(guild.id, paging="both")
    now = env.now()
    first = now + timedelta(seconds=FIRST_QUOTE_AFTER)
    await bot.database.quotes.add_schedule(
        guild_id=guild.id, channel_id=quotes.id, time_of_day=first.strftime("%H:%M"),
        timezone="UTC", every="hour", story_id=None, next_run=first, created_by=member.id,
        now=now.timestamp(),
    )
    cog = bot.get_cog("Quotes")
    if cog is not None and hasattr(cog, "wake"):
        cog.wake()
    channels = (
        DemoChannel("reading", "Read here: type /read in the composer and pick a story, then "
                    "turn pages with the reactions or the buttons. /continue, /library, "
                    "/quote, /progress and /bookmark work here too.", reading),
        DemoChannel("quotes", "The quote schedule posts here: a first quote about "
                    f"{FIRST_QUOTE_AFTER} seconds after the demo starts, then one every hour.",
                    quotes),
    )
    return member, channels


CLOCK_TICK = 1.0  # how often (real seconds) the demo looks at the clock
CATCH_UP = 60.0  # how far (seconds) the virtual clock may fall behind the real one


async def _follow_real_time(env, bot, stop: asyncio.Event, front: FrontPage) -> None:
    """Keep SimCord's virtual clock up with the real one, and show what the bot posts by itself.

    The bot's loops sleep on the virtual clock, which only moves when told to: without this the
    quote schedule would never come due. Moving it is a SimCord operation, and a member's click
    that arrives during one is refused, so the clock is moved only when a scheduled post is due
    or it has fallen a minute behind: a few short moves an hour rather than one every second.
    """
    from simcord import SetupError

    started, origin = time.monotonic(), env.now()
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CLOCK_TICK)
        if stop.is_set():
            return
        behind = max(0.0, (time.monotonic() - started) - (env.now() - origin).total_seconds())
        due = await bot.database.quotes.next_schedule_run()
        if behind < CATCH_UP and (due is None
                                  or env.now() + timedelta(seconds=behind) < due):
            continue
        async with front.lock:
            try:
                await env.advance_time(behind)
            except SetupError:
                continue  # a member's action is under way; next tick
            except TimeoutError:
                # The bot did not settle in time; the clock keeps what it reached, and the
                # rest of the way is covered at the next tick.
                log.warning("The demo's clock fell behind; catching up at the next tick")
                continue
            with contextlib.suppress(SetupError):
                await front.refresh()


def render_front_page(channels, current: str | None) -> str:
    """The front page: each channel with what it is for and a button that shows it."""
    rows = []
    for channel in channels:
        showing = (' <span class="now">shown in the open page</span>'
                   if channel.name == current else "")
        rows.append(
            f'<li><form method="post" action="{escape(channel.name)}">'
            f'<button type="submit">#{escape(channel.name)}</button></form>'
            f'<p>{escape(channel.about)}{showing}</p></li>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>storybot demo: {escape(GUILD_NAME)}</title>
<style>
body {{ background: #313338; color: #dbdee1; font: 16px/1.5 system-ui, sans-serif;
       max-width: 44rem; margin: 3rem auto; padding: 0 1.5rem; }}
h1 {{ color: #f2f3f5; font-size: 1.5rem; }}
ul {{ list-style: none; padding: 0; }}
li {{ background: #2b2d31; border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }}
li p {{ margin: 0.5rem 0 0; }}
button {{ background: #5865f2; color: #fff; border: 0; border-radius: 4px;
          padding: 0.4rem 1rem; font: inherit; font-weight: 600; cursor: pointer; }}
button:hover, button:focus {{ background: #4752c4; }}
.now {{ color: #23a55a; font-size: 0.875rem; margin-left: 0.5rem; }}
.hint {{ color: #949ba4; font-size: 0.875rem; }}
</style></head>
<body>
<h1>{escape(GUILD_NAME)}</h1>
<p>The real storybot, running in an in-memory Discord on this computer. You are
<strong>Reader</strong>, a member who may also change the server's settings.</p>
<ul>
{chr(10).join(rows)}
</ul>
<p class="hint">The page shows one channel at a time: choosing another closes the open page,
and this page (your browser's Back) lists the channels again. Messages stay where they were
posted. Stop the demo with Ctrl-C in its terminal.</p>
</body></html>
"""


class FrontPage:
    """The demo's own loopback page, listing the channels; choosing one opens SimCord's preview.

    The address carries a random token, like the preview's own: whoever can open it acts as the
    member. Choosing a channel is a POST from this page (checked by its Origin), answered with a
    redirect to the preview page of that channel.
    """

    HEADERS: ClassVar[dict[str, str]] = {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # No form-action: the chosen channel's page is served on another loopback port.
        "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                    "base-uri 'none'; frame-ancestors 'none'"),
    }

    def __init__(self, env, member, channels) -> None:
        self.env = env
        self.member = member
        self.channels = {channel.name: channel for channel in channels}
        # Held by whoever moves the clock or opens a page, so the two never overlap.
        self.lock = asyncio.Lock()
        self.token = secrets.token_urlsafe(24)
        self.preview = None
        self.showing: str | None = None
        self._seen: int | None = None  # the newest message the open page is known to show
        self._closed: asyncio.Future | None = None
        self._switch = asyncio.Lock()
        self._runner = None
        self._hosts: set[str] = set()
        self.origin = ""

    async def start(self, host: str, port: int | None) -> str:
        from aiohttp import web

        app = web.Application()
        app.router.add_get(f"/{self.token}/", self._index)
        app.router.add_post(f"/{self.token}/{{channel}}", self._choose)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        bind = "127.0.0.1" if host == "localhost" else host
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((bind, port or 0))
        except OSError as exc:
            sock.close()
            raise DemoError(f"cannot listen on {bind} port {port or 0}: {exc.strerror}") from None
        bound = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        shown = f"[{bind}]" if ":" in bind else bind
        self.origin = f"http://{shown}:{bound}"
        self._hosts = {f"{shown}:{bound}", f"localhost:{bound}"}
        return f"{self.origin}/{self.token}/"

    async def close(self) -> None:
        if self.preview is not None:
            await self.preview.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def refresh(self) -> None:
        """Show the open page a message the bot posted on its own, such as a scheduled quote.

        The page shows by itself what follows from its member's actions; anything else needs a
        refresh. Refreshing redraws the page, which would close a menu the person has open, so
        it happens only when the channel's newest message is such a post.
        """
        if not self._is_open():
            return
        newest = self.channels[self.showing].handle.last_message
        if newest is None or newest.id == self._seen:
            return
        self._seen = newest.id
        if newest.interaction_metadata is None and newest.author.bot:
            await self.preview.refresh()

    def _is_open(self) -> bool:
        return self.preview is not None and self._closed is not None and not self._closed.done()

    async def show(self, name: str) -> str:
        """Open the preview page on channel `name` (ending any other one); return its address."""
        from simcord import SetupError

        channel = self.channels[name]
        async with self._switch:
            if self._is_open() and self.showing == name:
                return self.preview.url
            if self.preview is not None:
                await self.preview.close()
                self.preview = None
                self.showing = None
            async with self.lock:
                for _ in range(100):  # a member action still settling in the page
                    try:
                        preview = self.env.preview(channel.handle, viewers=[self.member],
                                                   layout="channel")
                        break
                    except SetupError:
                        await asyncio.sleep(0.05)
                else:
                    raise DemoError("the page could not be opened; try again")
            await preview.__aenter__()
            self.preview, self.showing = preview, name
            newest = channel.handle.last_message
            self._seen = newest.id if newest is not None else None
            self._closed = asyncio.ensure_future(preview.wait_closed())
            return preview.url

    def _allowed(self, request) -> bool:
        return request.headers.get("Host", "") in self._hosts

    async def _index(self, request):
        from aiohttp import web

        if not self._allowed(request):
            return web.Response(status=421, text="wrong host", headers=self.HEADERS)
        current = self.showing if self._is_open() else None
        return web.Response(text=render_front_page(self.channels.values(), current),
                            content_type="text/html", headers=self.HEADERS)

    async def _choose(self, request):
        from aiohttp import web

        name = request.match_info["channel"]
        origin = request.headers.get("Origin")
        if not self._allowed(request) or (origin is not None and origin != self.origin
                                          and origin != "null"):
            return web.Response(status=403, text="refused", headers=self.HEADERS)
        if name not in self.channels:
            return web.Response(status=404, text="no such channel", headers=self.HEADERS)
        try:
            url = await self.show(name)
        except DemoError as exc:
            return web.Response(status=503, text=str(exc), headers=self.HEADERS)
        raise web.HTTPSeeOther(url, headers=self.HEADERS)


async def serve(config: Config, *, host: str = "127.0.0.1", port: int | None = None,
                open_browser: bool = True, env_vars: Mapping[str, str] | None = None,
                stop: asyncio.Event | None = None) -> int:
    """Run the demo until `stop` is set (Ctrl-C / SIGTERM when run from the command line)."""
    import simcord

    from bot.app import create_bot

    started = time.monotonic()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)

    # One process in an in-memory Discord: it holds the one shard, whatever .env says for
    # a deployment (SimCord, with no Discord to recommend a count, must be told one).
    bot = create_bot(replace(config, shard_count=1, shard_ids=None))
    try:
        async with simcord.run(bot, check_errors=False) as env:
            member, channels = await _set_up_world(env, bot)
            front = FrontPage(env, member, channels)
            try:
                url = await front.start(host, port)
                ready = time.monotonic() - started
                print(f"storybot demo: {len(bot.library)} stories from {config.stories_dir}, "
                      f"database {config.database_path}", flush=True)
                print(f"Open {url}", flush=True)
                print(f"Ready in {ready:.1f} s. Choose #reading and type /read in the composer; "
                      "#quotes gets a quote shortly and then hourly. Ctrl-C stops.", flush=True)
                if open_browser and has_display(env_vars if env_vars is not None else os.environ):
                    with contextlib.suppress(Exception):
                        webbrowser.open(url)
                clock = asyncio.ensure_future(_follow_real_time(env, bot, stop, front))
                try:
                    await stop.wait()
                finally:
                    stop.set()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await clock
            finally:
                await front.close()
    finally:
        # simcord.run closes the bot, which closes its database; make sure it is closed.
        database = getattr(bot, "database", None)
        if database is not None:
            with contextlib.suppress(Exception):
                await database.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
    print("storybot demo stopped.", flush=True)
    return 0


def main(env_vars: Mapping[str, str], *, host: str = "127.0.0.1", port: int | None = None,
         open_browser: bool = True) -> int:
    """`python -m bot demo`; returns the exit status."""
    try:
        host = check_loopback(host)
        _require_simcord()
    except DemoError as exc:
        print(f"storybot demo: {exc}", file=sys.stderr)
        return 2
    values = dict(env_vars)
    values.pop("DISCORD_TOKEN", None)  # the demo never connects to Discord
    temporary: tempfile.TemporaryDirectory | None = None
    if not (values.get("DATABASE_PATH") or "").strip():
        temporary = tempfile.TemporaryDirectory(prefix="storybot-demo-")
        values["DATABASE_PATH"] = str(Path(temporary.name) / "demo.sqlite3")
    try:
        config = Config.from_env(values, require_token=False)
        logging.basicConfig(level=max(config.log_level_number, logging.WARNING),
                            format="%(levelname)s %(name)s: %(message)s")
        return asyncio.run(serve(config, host=host, port=port, open_browser=open_browser,
                                 env_vars=values))
    except ConfigError as exc:
        print("storybot demo cannot start:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except (DemoError, DatabaseUnusable) as exc:
        print(f"storybot demo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        if temporary is not None:
            temporary.cleanup()
