"""Benchmark: Procure served as in production, under wrk, against a hello-world floor.

    .venv/bin/python bench/serve.py [--engines sqlite,postgresql] [--seconds 8] [--connections 32,256]

For each engine it builds a bureau-sized database (the demo grown to 10,000 tenders and 10,000
sites, bench/grow.py), serves it with the production command (`procure serve --workers N`),
and loads it with wrk (Debian's package) at each connection count, beside a Litestar
hello-world route (bench/hello.py) served by the same uvicorn command line. It prints, per
endpoint: requests/s, p50 and p99 latency, errors (non-2xx, socket errors, timeouts) and the
ratio to the hello-world floor of the same run; on PostgreSQL also one worker against two.
Traffic goes to 127.0.0.1 only; every run is bounded by --seconds. Prints figures; asserts nothing.

The officer's requests carry what a browser carries (the session and the CSRF cookie of its first
page), so a repeated list is answered from the process's cache of that person's answers
(``kernel.caching.PersonalCaching``) while nothing changes. The rows "each distinct" send every
request with a different query string (bench/distinct.lua), so nothing is ever reused: they
measure the list itself, what a person gets on the first look after a change.

Bars (issue 10): 0 errors and 0 timeouts at every concurrency up to 256 on both engines; JSON
lists >= 15 % and HTML lists >= 10 % of the floor at 32 connections with one worker; p99 <= 250 ms
at 32 connections; two workers on PostgreSQL >= 1.6 x one.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))

PG_BASE = os.environ.get("PROCURE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    timeouts: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(port: int, path: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not come up")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


#: A wrk script that makes every request distinct (``?_=<thread>-<n>``, a parameter Procure ignores),
#: so no answer is ever reused: the rows marked "each distinct" measure the work itself.
DISTINCT = ROOT / "bench" / "distinct.lua"


def wrk(url: str, connections: int, seconds: int, headers: dict[str, str], *, distinct: bool = False) -> Result:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if distinct:
        cmd += ["-s", str(DISTINCT)]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def parse(v: str) -> float:
        m = re.match(r"([\d.]+)(us|ms|s)", v)
        return _ms(m.group(1), m.group(2)) if m else float("nan")

    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in sock.groups()[:3]) if sock else 0
    timeouts = int(sock.group(4)) if sock else 0
    return Result(rps, parse(lat.get("50", "")), parse(lat.get("99", "")), non2xx + socket_errors, timeouts)


class Served:
    """A server process (Procure or the floor), stopped on exit."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, probe: str) -> None:
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        self.port = port
        _wait_up(port, probe)

    def __enter__(self) -> "Served":
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def build(engine: str, tmp: Path) -> tuple[str, dict[str, str]]:
    from bench.grow import grow

    if engine == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        name = f"procure_bench_{os.getpid()}"
        subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        url = f"{PG_BASE}/{name}"
    env = {**os.environ, "PROCURE_DATABASE_URL": url, "PROCURE_STORAGE_DIR": str(tmp / f"storage-{engine}"),
           "PROCURE_SECRET_KEY": "bench-secret", "PROCURE_WORKER_IN_PROCESS": "0"}
    for command in (["migrate"], ["demo"]):
        subprocess.run([str(VENV / "procure"), *command], env=env, check=True, capture_output=True)
    counts = grow(url, 10_000, 10_000)
    print(f"  {engine}: {counts['tenders']:,} tenders, {counts['sites']:,} sites", flush=True)
    return url, env


def drop(engine: str, url: str) -> None:
    if engine != "sqlite":
        from procure.kernel.db import make_engine

        make_engine(url).dispose()
        name = url.rsplit("/", 1)[-1]
        subprocess.run(["psql", f"{PG_BASE}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       check=False)


def credentials(url: str) -> tuple[str, str]:
    """An officer's API token and page session, signed with the benchmark's secret."""
    from sqlalchemy import select

    from procure.accounts import services as accounts
    from procure.accounts.models import User
    from procure.kernel.clock import system_clock
    from procure.kernel.db import Database

    database = Database(url)
    with database.session() as s:
        officer = s.scalar(select(User).where(User.username == "officer"))
        api = accounts.issue_token(s, system_clock, officer, "api", 3600)
        page = accounts.issue_token(s, system_clock, officer, "session", 3600)
        s.commit()
    database.dispose()
    return api, page


def browser_cookies(port: int, page: str) -> str:
    """The cookies a browser holds after its first page: the session and the CSRF cookie that
    Litestar sets on that first page (a browser sends it back; a client that does not is handed
    a new one, and an answer that sets a cookie is never reused)."""
    import httpx

    first = httpx.get(f"http://127.0.0.1:{port}/tenders", cookies={"procure_session": page}, timeout=30)
    return f"procure_session={page}; procure_csrf={first.cookies['procure_csrf']}"


def answers_200(port: int, path: str, headers: dict[str, str]) -> None:
    """wrk counts a redirect as success: make sure the endpoint really answers (a lost login
    would redirect to /login and look fast)."""
    import httpx

    status = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=30).status_code
    if status != 200:
        raise RuntimeError(f"{path} answers {status}, not 200: the benchmark would measure the wrong thing")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", default="32,256")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk (bin/setup --test does)")
    conns = [int(c) for c in args.connections.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="procure-bench-"))
    print(f"Procure under wrk: {args.seconds} s per run, connections {conns}, {os.cpu_count()} cores "
          "(wrk shares them with the server)\n")
    for engine in args.engines.split(","):
        url, env = build(engine, tmp)
        api, page = credentials(url)
        officer_api = {"Authorization": f"Bearer {api}"}
        worker_counts = [1, 2] if engine == "postgresql" else [1]
        by_workers: dict[int, dict[str, float]] = {}
        try:
            for workers in worker_counts:
                port, hello_port = _free_port(), _free_port()
                common = ["--host", "127.0.0.1", "--workers", str(workers)]
                hello_cmd = [str(VENV / "uvicorn"), "--factory", "bench.hello:create", "--port", str(hello_port),
                             "--log-level", "warning", "--timeout-keep-alive", "10", *common]
                serve_cmd = [str(VENV / "procure"), "serve", "--port", str(port), *common]
                with Served(hello_cmd, env, hello_port, "/hello"), Served(serve_cmd, env, port, "/api/v1/tenders"):
                    officer_page = {"Cookie": browser_cookies(port, page)}
                    endpoints = [
                        ("GET /api/v1/tenders (JSON, public)", "/api/v1/tenders", {}, False),
                        ("GET /api/v1/sites (JSON, officer)", "/api/v1/sites", officer_api, False),
                        ("GET /tenders (HTML, officer)", "/tenders", officer_page, False),
                        ("GET /public (HTML portal)", "/public", {}, False),
                        ("  same, each distinct: /api/v1/sites", "/api/v1/sites", officer_api, True),
                        ("  same, each distinct: /tenders", "/tenders", officer_page, True),
                    ]
                    for _, path, headers, _ in endpoints:
                        answers_200(port, path, headers)
                    print(f"  {engine}, {workers} worker{'s' if workers > 1 else ''}:")
                    print(f"    {'endpoint':38} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
                          f"{'errors':>6} {'timeouts':>8} {'of floor':>8}")
                    for c in conns:
                        floor = wrk(f"http://127.0.0.1:{hello_port}/hello", c, args.seconds, {})
                        print(f"    {'hello-world floor':38} {c:>5} {floor.rps:>8.0f} {floor.p50_ms:>8.1f} "
                              f"{floor.p99_ms:>8.1f} {floor.errors:>6} {floor.timeouts:>8} {'100 %':>8}", flush=True)
                        for label, path, headers, distinct in endpoints:
                            r = wrk(f"http://127.0.0.1:{port}{path}", c, args.seconds, headers, distinct=distinct)
                            by_workers.setdefault(workers, {})[f"{path}{' distinct' if distinct else ''}@{c}"] = r.rps
                            print(f"    {label:38} {c:>5} {r.rps:>8.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
                                  f"{r.errors:>6} {r.timeouts:>8} {100 * r.rps / floor.rps:>7.1f} %", flush=True)
            if len(by_workers) == 2:
                print("    two workers against one:")
                for key, one in by_workers[1].items():
                    print(f"      {key:30} {by_workers[2][key] / one:.2f} x")
        finally:
            drop(engine, url)
        print()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
