"""The shape the code keeps: a pure core, feature cogs that never lean on each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot import Config, create_bot
from bot.app import extensions

ROOT = Path(__file__).resolve().parent.parent
#: The start-up modules: the only ones in `bot/` that may talk to Discord.
START_UP = {"app.py", "cli.py", "config.py", "demo.py", "__main__.py", "__init__.py"}
COG_LINES = 300
CORE_LINES = 500


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module name `path` imports, absolute or relative (resolved)."""
    names: set[str] = set()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def core_modules() -> list[Path]:
    return [p for p in modules("bot") if not (p.parent == ROOT / "bot" and p.name in START_UP)]


def test_the_core_does_not_import_discord():
    offenders = [str(p.relative_to(ROOT)) for p in core_modules()
                 if any(n == "discord" or n.startswith("discord.") for n in imported(p))]
    assert offenders == []


def test_the_layout_finds_the_modules_it_checks():
    # Guards the checks above and below against looking at an empty tree.
    assert len(core_modules()) > 30
    assert {p.parent.name for p in modules("cogs")} >= {"reading", "shared"}


def test_no_cog_imports_another():
    offenders = []
    for path in modules("cogs"):
        own = path.relative_to(ROOT / "cogs").parts[0].removesuffix(".py")
        for name in imported(path):
            parts = name.split(".")
            if parts[0] == "cogs" and len(parts) > 1 and parts[1] not in (own, "shared"):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_shared_discord_module_imports_no_feature():
    for path in modules("cogs/shared"):
        features = {n for n in imported(path)
                    if n.startswith("cogs.") and not n.startswith("cogs.shared")}
        assert features == set(), path


def test_no_cog_looks_another_up():
    assert [str(p.relative_to(ROOT)) for p in modules("cogs")
            if "get_cog(" in p.read_text(encoding="utf-8")] == []


def test_every_feature_is_a_package():
    flat = [p.name for p in (ROOT / "cogs").glob("*.py") if p.name != "__init__.py"]
    assert flat == []


@pytest.mark.parametrize(("folder", "limit"), [("cogs", COG_LINES), ("bot", CORE_LINES)])
def test_modules_stay_small_enough_to_read(folder, limit):
    too_long = {str(p.relative_to(ROOT)): n for p in modules(folder)
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit
                and not (folder == "bot" and p.parent.name == "bot" and p.name in START_UP)}
    assert too_long == {}


async def test_every_extension_loads_and_no_command_name_collides(tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    bot = create_bot(Config(token="", stories_dir=folder, database_path=tmp_path / "db"))
    try:
        await bot.setup_hook()
        assert sorted(bot.extensions) == extensions()
        assert len(extensions()) >= 5
        names = [command.name for command in bot.tree.get_commands()]
        assert len(names) == len(set(names))
        assert {"read", "continue", "library", "quote", "settings"} <= set(names)
    finally:
        await bot.close()
