"""A throwaway PostgreSQL cluster on loopback, for the tests and the benches.

`start()` makes a new cluster in a temporary folder with Debian's server programs
(`postgresql` package) and starts it on a free port of 127.0.0.1, as an unprivileged user:
PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to
the `postgres` user the package creates. `STORYBOT_TEST_POSTGRES=postgresql://…` uses a
server that is already running instead.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

#: Set by `.ci/run`: a missing PostgreSQL is then an error, never a skip.
REQUIRED = "STORYBOT_REQUIRE_POSTGRES"
#: A server already running, used instead of a throwaway cluster.
GIVEN = "STORYBOT_TEST_POSTGRES"


class Unavailable(Exception):
    """No PostgreSQL server programs on this machine; the message says what to install."""


def server_programs() -> Path | None:
    """The folder holding `initdb`, `pg_ctl` and `postgres`, newest version first."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                         reverse=True):
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    found = shutil.which("pg_ctl")
    if found and (Path(found).parent / "postgres").exists():
        return Path(found).parent
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    """A running cluster: `url(name)` addresses one of its databases."""

    port: int
    folder: Path | None = None  # None for a server given by STORYBOT_TEST_POSTGRES
    given: str | None = None
    user: str = "storybot"

    def url(self, database: str = "postgres") -> str:
        if self.given is not None:
            base = self.given.rsplit("/", 1)[0]
            return f"{base}/{database}"
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    async def create_database(self, prefix: str = "t") -> str:
        """A new empty database; its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:16]}"
        connection = await asyncpg.connect(self.url())
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        connection = await asyncpg.connect(self.url())
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    def stop(self) -> None:
        if self.folder is None:
            return
        programs = server_programs()
        if programs is not None:
            _run_as_owner([str(programs / "pg_ctl"), "stop", "-D", str(self.folder / "data"),
                           "-m", "immediate", "-w"], self.folder, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def _owner() -> pwd.struct_passwd | None:
    """Who runs the cluster when we are root: the `postgres` user; None when not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as exc:
        raise Unavailable("running as root, and there is no `postgres` user to run "
                          "PostgreSQL as (install Debian's postgresql package)") from exc


def _run_as_owner(command: list[str], folder: Path, *, check: bool = True
                  ) -> subprocess.CompletedProcess:
    owner = _owner()
    if owner is not None:
        command = ["runuser", "-u", owner.pw_name, "--", *command]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=check)


def start(*, durable: bool = False) -> Cluster:
    """Start a new cluster; `durable=False` turns off fsync, for tests that never outlive it."""
    if given := os.environ.get(GIVEN):
        return Cluster(port=0, given=given)
    programs = server_programs()
    if programs is None:
        raise Unavailable("PostgreSQL's server programs were not found: install Debian's "
                          "postgresql package (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="storybot-pg-"))
    owner = _owner()
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data = folder / "data"
    try:
        _run_as_owner([str(programs / "initdb"), "-D", str(data), "-U", "storybot",
                       "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], folder)
        port = _free_port()
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} "
                   f"-c unix_socket_directories={folder} -c max_connections=200")
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _run_as_owner([str(programs / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "60",
                       "-l", str(folder / "log"), "-o", options], folder)
    except subprocess.CalledProcessError as exc:
        log = folder / "log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{detail}") from exc
    cluster = Cluster(port=port, folder=folder)
    _wait_ready(cluster)
    return cluster


def _wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", cluster.port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL is not answering on port {cluster.port}")
        time.sleep(0.05)


@contextlib.contextmanager
def running(*, durable: bool = False) -> Iterator[Cluster]:
    cluster = start(durable=durable)
    try:
        yield cluster
    finally:
        cluster.stop()
