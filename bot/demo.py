"""`python -m bot demo`: the real bot in an in-memory Discord, shown in a local browser page.

The unchanged bot (`create_bot(config)`) runs inside SimCord (`simcord[preview]`, installed with
`pip install -e ".[demo]"`). A server "Reading Room" with `#reading` and `#quotes`, a member to
act as, and an hourly quote schedule on `#quotes` are set up; SimCord's preview page for
`#reading` is served on loopback only, and its composer runs slash commands as that member.
No Discord account or token is needed. It runs until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import sys
import tempfile
import time
import webbrowser
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from bot.config import Config

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


async def _set_up_world(env, bot):
    """The Reading Room server, its channels, the member and the quote schedule."""
    guild = env.create_guild(GUILD_NAME)
    reading = guild.create_text_channel("reading")
    quotes = guild.create_text_channel("quotes")
    member = guild.add_member(env.create_user(MEMBER_NAME, global_name="Reader"))
    await bot.tree.sync()
    # Show both ways of turning pages (what `/settings` paging: both does).
    await bot.database.update_guild_settings(guild.id, paging="both")
    now = env.now()
    first = now + timedelta(seconds=FIRST_QUOTE_AFTER)
    await bot.database.add_schedule(
        guild_id=guild.id, channel_id=quotes.id, time_of_day=first.strftime("%H:%M"),
        timezone="UTC", every="hour", story_id=None, next_run=first, created_by=member.id,
        now=now.timestamp(),
    )
    cog = bot.get_cog("Quotes")
    if cog is not None and hasattr(cog, "wake"):
        cog.wake()
    return guild, reading, quotes, member


CLOCK_STEP = 2.0  # seconds of virtual time moved forward with each real step


async def _follow_real_time(env, stop: asyncio.Event) -> None:
    """Move SimCord's virtual clock along with the real one.

    The bot's loops sleep on the virtual clock, which only moves when told to: without this
    the quote schedule would never come due. A step that would overlap a member's action in
    the page is simply taken at the next tick.
    """
    from simcord import SetupError

    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CLOCK_STEP)
        if stop.is_set():
            return
        try:
            await env.advance_time(CLOCK_STEP)
        except SetupError:
            continue


async def serve(config: Config, *, port: int | None = None, open_browser: bool = True,
                env_vars: Mapping[str, str] | None = None,
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

    bot = create_bot(config)
    try:
        async with simcord.run(bot, check_errors=False) as env:
            _guild, reading, _quotes, member = await _set_up_world(env, bot)
            stories = len(bot.library)
            async with env.preview(reading, viewers=[member], layout="channel",
                                   port=port) as preview:
                url = preview.url
                ready = time.monotonic() - started
                print(f"storybot demo: {stories} stories from {config.stories_dir}, "
                      f"database {config.database_path}", flush=True)
                print(f"Open {url}", flush=True)
                print(f"Ready in {ready:.1f} s. In the page, type /read in the composer; "
                      "#quotes gets a quote shortly and then hourly. Ctrl-C stops.", flush=True)
                if open_browser and has_display(env_vars if env_vars is not None else os.environ):
                    with contextlib.suppress(Exception):
                        webbrowser.open(url)
                closed = asyncio.ensure_future(preview.wait_closed())
                stopping = asyncio.ensure_future(stop.wait())
                clock = asyncio.ensure_future(_follow_real_time(env, stop))
                try:
                    await asyncio.wait({closed, stopping}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stop.set()
                    closed.cancel()
                    stopping.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await clock
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
        check_loopback(host)
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
        return asyncio.run(serve(config, port=port, open_browser=open_browser,
                                 env_vars=values))
    except KeyboardInterrupt:
        return 0
    finally:
        if temporary is not None:
            temporary.cleanup()
