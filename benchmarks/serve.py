"""Serve benchmark: many concurrent clients reading the dashboard and the API of a served city.

    .venv/bin/python benchmarks/serve.py [--scale 0.1] [--clients 50] [--seconds 60]
        [--warmup 5] [--workers 1,2] [--endpoints /,/api/v1/indicators,/static/style.css]
        [--profile]

The demo city is generated once at `--scale` (13 months from 2023-12, seed 42, Parquet) and run
(`fiveareas run`: ingest, classify, measure) into a data home, both cached under
`benchmarks/out/serve_<scale>/` (git-ignored), with a regulator account and an API token made
with the CLI (the token kept there too). Then, for each `--workers` count, the server is started
as a user would (`fiveareas serve --host 127.0.0.1 --port <free port> --workers N`, in its own
process group, stopped at the end) and:

- serial: one client, each URL one at a time (3 warm-up then `--serial` timed requests): the
  latency of an endpoint on an idle server;
- load: `--clients` concurrent clients (asyncio, httpx2, one keep-alive connection each), one in
  five a regulator with a bearer token, the others the public (no login). Each loops over
  GET `/`, GET `/api/v1/indicators?period=2024-12&area=A&dimension=D` (A among the five areas,
  D among city/district/industry_section, drawn at random) and GET `/static/style.css`, the
  floor: a trivial endpoint under the same load. `--warmup` seconds unrecorded, then requests
  started in the next `--seconds` are recorded (latency from send to the whole body read).
  An error is any status other than 200 or any transport error or timeout (30 s).

Prints, per endpoint and caller: requests, requests per second, p50/p95/p99/max latency and
errors; and the CPU seconds the server's processes and this client used over warm-up and
window (they share the machine's cores). `--profile` samples the server with py-spy during the
window (`pip install py-spy`; `py-spy record`, raw collapsed stacks next to the home) and prints
the frames most often on the stacks of busy threads; its figures are then not the benchmark's.
`--endpoints /static/style.css` loads the floor alone.

Should `fiveareas serve --workers N` fail to start (it did before the CLI gave uvicorn a factory
for N > 1), the script says so and measures the same app started by `python -m uvicorn
--factory serve:app_factory --workers N` (same host, port and log level), labelled as such.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BIN = Path(sys.executable).parent
FIVEAREAS = str(BIN / "fiveareas")
AREAS = ("sci_tech", "green", "inclusive", "pension", "digital")
DIMENSIONS = ("city", "district", "industry_section")
PERIOD = "2024-12"
USER = "bench-regulator"
TIMEOUT = 30.0  # per request
MAX_PER_CLIENT = 1_000_000  # a bound on each client's loop besides time
GOAL_P95_MS = 200.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- the city and its data home --------------------------------------------------------------

def build(scale: float) -> tuple[Path, Path]:
    """The scale's folder and data home: generated and run once, then reused."""
    folder = OUT / f"serve_{scale:g}"
    home, city, done = folder / "home", folder / "city", folder / ".built"
    if not done.exists():
        for d in (city, home):  # what an interrupted build left
            if d.exists():
                shutil.rmtree(d)
        folder.mkdir(parents=True, exist_ok=True)
        log(f"generating the city at scale {scale:g} into {city}")
        subprocess.run([FIVEAREAS, "generate", "--scale", str(scale), "--start", "2023-12",
                        "--months", "13", "--seed", "42", "--out", str(city),
                        "--format", "parquet"], check=True)
        log(f"fiveareas run (ingest, classify, measure) into {home}: several minutes")
        t = time.perf_counter()
        with open(folder / "run.log", "w") as out:
            subprocess.run([FIVEAREAS, "run", str(city), "--home", str(home)], check=True,
                           stdout=out, stderr=subprocess.STDOUT)
        log(f"run took {time.perf_counter() - t:.0f} s")
        done.touch()
    return folder, home


def bench_token(folder: Path, home: Path) -> str:
    """A regulator account's API token, made once with the CLI and kept next to the home."""
    path = folder / "token"
    if path.exists():
        return path.read_text().strip()
    env = os.environ | {"COLUMNS": "400"}  # so the CLI does not wrap the secret
    subprocess.run([FIVEAREAS, "account", "add", USER, "--role", "regulator",
                    "--password", secrets.token_urlsafe(18), "--home", str(home)],
                   check=True, capture_output=True, env=env)
    out = subprocess.run([FIVEAREAS, "token", "create", USER, "--name", "bench",
                          "--home", str(home)], check=True, capture_output=True, text=True,
                         env=env).stdout
    found = re.search(r"\bfa_[A-Za-z0-9_-]+", out)
    if not found:
        raise SystemExit(f"no token in the output of `fiveareas token create`: {out!r}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(found.group(0))
    return found.group(0)


# --- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerFailed(RuntimeError):
    pass


class Server:
    """`fiveareas serve` in its own process group (so its worker processes stop with it)."""

    def __init__(self, home: Path, workers: int, logfile: Path, direct: bool = False) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logfile = logfile
        self.out = open(logfile, "w")  # noqa: SIM115 (closed in stop)
        env = None
        if direct:  # uvicorn given the app as a factory (what --workers > 1 needs)
            cmd = [sys.executable, "-m", "uvicorn", "--factory", "serve:app_factory",
                   "--app-dir", str(HERE), "--log-level", "warning"]
            env = os.environ | {"FIVEAREAS_HOME": str(home)}
        else:
            cmd = [FIVEAREAS, "serve", "--home", str(home)]
        self.proc = subprocess.Popen(
            [*cmd, "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)],
            stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True, env=env)

    def wait_ready(self, limit: float = 60.0) -> float:
        t0 = time.perf_counter()
        with httpx2.Client(base_url=self.base, timeout=5, trust_env=False) as c:
            while time.perf_counter() - t0 < limit:
                if self.proc.poll() is not None:
                    raise ServerFailed(f"exited with status {self.proc.returncode}: "
                                       f"{self.tail()}")
                try:
                    if c.get("/static/style.css").status_code == 200:
                        return time.perf_counter() - t0
                except httpx2.TransportError:
                    pass
                time.sleep(0.2)
        raise ServerFailed(f"not answering after {limit:.0f} s: {self.tail()}")

    def tail(self) -> str:
        self.out.flush()
        return " | ".join(self.logfile.read_text().strip().splitlines()[-5:])

    def pids(self) -> list[int]:
        """Every live process of the server's group (the server and its workers)."""
        out = []
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == self.proc.pid:  # field 5, pgrp
                    out.append(int(d.name))
        return out

    def cpu(self) -> float:
        """CPU seconds (user + system) used so far by the group's live processes."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.out.close()


def app_factory():  # type: ignore[no-untyped-def]
    """The app of `fiveareas serve`, for `uvicorn --factory` (home from FIVEAREAS_HOME)."""
    from fiveareas.store.home import Home
    from fiveareas.web.app import create_app

    return create_app(Home.resolve(os.environ["FIVEAREAS_HOME"]))


# --- the clients -----------------------------------------------------------------------------

def indicators_url(rng: random.Random) -> str:
    return (f"/api/v1/indicators?period={PERIOD}&area={rng.choice(AREAS)}"
            f"&dimension={rng.choice(DIMENSIONS)}")


ENDPOINTS = ("/", "/api/v1/indicators", "/static/style.css")


def url_for(endpoint: str, rng: random.Random) -> str:
    return indicators_url(rng) if endpoint == "/api/v1/indicators" else endpoint


def client(base: str, token: str | None) -> httpx2.AsyncClient:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx2.AsyncClient(base_url=base, headers=headers, timeout=TIMEOUT, trust_env=False,
                              limits=httpx2.Limits(max_connections=1,
                                                   max_keepalive_connections=1))


async def get(c: httpx2.AsyncClient, url: str) -> tuple[float, str | None]:
    t0 = time.perf_counter()
    try:
        r = await c.get(url)
        err = None if r.status_code == 200 else f"HTTP {r.status_code}"
    except httpx2.HTTPError as exc:
        err = type(exc).__name__
    return time.perf_counter() - t0, err


Record = tuple[str, str, float, str | None]  # endpoint, caller, seconds, error


async def one_client(i: int, base: str, token: str, start: float, end: float,
                     records: list[Record], endpoints: tuple[str, ...]) -> None:
    caller = "regulator" if i % 5 == 0 else "public"
    rng = random.Random(i)
    k = i  # clients start at different points of the cycle
    async with client(base, token if caller == "regulator" else None) as c:
        for _ in range(MAX_PER_CLIENT):
            if time.perf_counter() >= end:
                break
            endpoint = endpoints[k % len(endpoints)]
            k += 1
            t0 = time.perf_counter()
            took, err = await get(c, url_for(endpoint, rng))
            if t0 >= start:
                records.append((endpoint, caller, took, err))


async def load(base: str, token: str, clients: int, warmup: float, seconds: float,
               endpoints: tuple[str, ...] = ENDPOINTS) -> list[Record]:
    records: list[Record] = []
    t0 = time.perf_counter()
    start, end = t0 + warmup, t0 + warmup + seconds
    await asyncio.gather(*(one_client(i, base, token, start, end, records, endpoints)
                           for i in range(clients)))
    return records


async def serial(base: str, token: str, n: int) -> list[Record]:
    """Each URL one at a time on an otherwise idle server (3 unrecorded first)."""
    records: list[Record] = []
    rng = random.Random(0)
    for caller in ("public", "regulator"):
        async with client(base, token if caller == "regulator" else None) as c:
            for endpoint in ENDPOINTS:
                for j in range(3 + n):
                    took, err = await get(c, url_for(endpoint, rng))
                    if j >= 3:
                        records.append((endpoint, caller, took, err))
    return records


# --- figures ---------------------------------------------------------------------------------

def pct(sorted_s: list[float], q: float) -> float:
    """Nearest-rank percentile, in ms."""
    if not sorted_s:
        return float("nan")
    return 1000 * sorted_s[min(len(sorted_s) - 1, max(0, int(round(q * len(sorted_s))) - 1))]


def table(records: list[Record], seconds: float | None) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Record]] = collections.defaultdict(list)
    for r in records:
        groups[(r[0], r[1])].append(r)
        groups[(r[0], "all")].append(r)
        groups[("all", "all")].append(r)
    order = [(e, c) for e in (*ENDPOINTS, "all") for c in ("public", "regulator", "all")]
    rows = []
    for key in order:
        if key not in groups or (key[0] == "all" and key[1] != "all"):
            continue
        rs = groups[key]
        s = sorted(r[2] for r in rs)
        errors = collections.Counter(r[3] for r in rs if r[3])
        rows.append({"endpoint": key[0], "caller": key[1], "requests": len(rs),
                     "rps": len(rs) / seconds if seconds else None,
                     "p50": pct(s, .50), "p95": pct(s, .95), "p99": pct(s, .99),
                     "max": 1000 * s[-1], "errors": sum(errors.values()),
                     "error_kinds": dict(errors)})
    return rows


def show(rows: list[dict[str, Any]]) -> None:
    print(f"{'endpoint':<20} {'caller':<10} {'requests':>8} {'req/s':>7} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for r in rows:
        rps = f"{r['rps']:.1f}" if r["rps"] is not None else "-"
        print(f"{r['endpoint']:<20} {r['caller']:<10} {r['requests']:>8} {rps:>7} "
              f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} "
              f"{r['errors']:>6}" + (f"  {r['error_kinds']}" if r["errors"] else ""))


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


IDLE = ("Condition.wait", "Queue.get", "select (selectors.py")  # threads waiting for work


def hottest(raw: Path, n: int = 30) -> None:
    """The frames most often on the stack (inclusive) of busy threads, from py-spy's raw
    collapsed output (stacks whose innermost frame is a wait for work left out)."""
    incl: collections.Counter[str] = collections.Counter()
    total = busy = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        c, frames = int(count), stack.split(";")
        total += c
        if any(w in frames[-1] for w in IDLE):
            continue
        busy += c
        for frame in set(frames[1:]):  # the first is the process
            incl[frame] += c
    print(f"py-spy: {total} samples, {busy} busy; frames most often on a busy stack:")
    for frame, c in incl.most_common(n):
        print(f"  {100 * c / max(busy, 1):5.1f}%  {frame}")


# --- main ------------------------------------------------------------------------------------

def run_one(home: Path, folder: Path, token: str, workers: int,
            args: argparse.Namespace, direct: bool = False) -> dict[str, Any] | None:
    how = "uvicorn --factory" if direct else "fiveareas serve"
    server = Server(home, workers, folder / f"server-w{workers}{'-direct' * direct}.log",
                    direct)
    try:
        try:
            ready = server.wait_ready()
        except ServerFailed as exc:
            log(f"`{how} --workers {workers}` did not start: {exc}")
            return None
        log(f"`{how} --workers {workers}` on {server.base}, answering after {ready:.1f} s "
            f"(pids {server.pids()})")
        ser = asyncio.run(serial(server.base, token, args.serial))
        print(f"\nserial, one request at a time ({args.serial} per row), {how} "
              f"--workers {workers}:")
        show(table(ser, None))
        profiler = None
        raw = folder / f"profile-w{workers}.txt"
        if args.profile:  # started to sample the measured window only
            delay = args.warmup
            profiler = subprocess.Popen(
                ["sh", "-c", f"sleep {delay} && exec {BIN / 'py-spy'} record --pid "
                 f"{server.proc.pid} --subprocesses --nonblocking --rate 50 --format raw "
                 f"--duration {int(args.seconds)} --output {raw}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log(f"load: {args.clients} clients, {args.warmup:g} s warm-up then "
            f"{args.seconds:g} s measured (load average before {loadavg()})")
        pids0 = server.pids()
        cpu0, me0, wall0 = server.cpu(), time.process_time(), time.perf_counter()
        records = asyncio.run(load(server.base, token, args.clients, args.warmup, args.seconds,
                                   args.endpoints))
        wall = time.perf_counter() - wall0
        cpu1, me1 = server.cpu(), time.process_time()
        alive = server.proc.poll() is None
        print(f"\nload, {args.clients} clients, {args.seconds:g} s, {how} --workers {workers} "
              f"(load average after {loadavg()}):")
        rows = table(records, args.seconds)
        show(rows)
        print(f"CPU over the whole run ({wall:.0f} s wall, warm-up included; 2 cores = "
              f"{2 * wall:.0f} CPU s): server {cpu1 - cpu0:.0f} s, this client "
              f"{me1 - me0:.0f} s; server still running: {alive}")
        if server.pids() != pids0:  # uvicorn kills a worker that misses its 5 s health check
            print(f"server processes changed during the run: {pids0} -> {server.pids()}")
        total = next(r for r in rows if r["endpoint"] == "all")
        dyn = [r for r in rows if r["endpoint"] != "/static/style.css"
               and r["endpoint"] != "all" and r["caller"] == "all"] or [total]
        worst = max(r["p95"] for r in dyn)
        met = worst < GOAL_P95_MS and total["errors"] == 0
        print(f"goal (p95 < {GOAL_P95_MS:.0f} ms on / and the API, no errors): "
              f"{'met' if met else 'NOT met'} (worst p95 {worst:.0f} ms, "
              f"{total['errors']} errors)")
        if profiler is not None:
            profiler.wait(60)
            if raw.exists():
                hottest(raw)
        return {"workers": workers, "server": how, "serial": table(ser, None), "load": rows,
                "server_cpu_s": cpu1 - cpu0, "client_cpu_s": me1 - me0, "wall_s": wall,
                "goal_met": met}
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--serial", type=int, default=20, help="timed requests per URL, serial")
    ap.add_argument("--workers", default="1,2", help="server worker counts, comma-separated")
    ap.add_argument("--profile", action="store_true", help="sample the server with py-spy")
    ap.add_argument("--endpoints", default=",".join(ENDPOINTS),
                    help="the endpoints the load cycles over (default all three)")
    args = ap.parse_args()
    args.endpoints = tuple(args.endpoints.split(","))
    if not set(args.endpoints) <= set(ENDPOINTS):
        raise SystemExit(f"--endpoints among {', '.join(ENDPOINTS)}")
    if not 1 <= args.clients <= 1000 or not 0 < args.seconds <= 3600:
        raise SystemExit("--clients 1..1000, --seconds up to 3600")
    folder, home = build(args.scale)
    token = bench_token(folder, home)
    log(f"home {home}; {os.cpu_count()} CPUs; load average {loadavg()}")
    results, failed = [], []
    for w in (int(x) for x in args.workers.split(",")):
        got = run_one(home, folder, token, w, args)
        if got is None:
            failed.append(w)
            log(f"measuring --workers {w} with the same app started by uvicorn directly")
            got = run_one(home, folder, token, w, args, direct=True)
        if got is not None:
            results.append(got)
    (folder / "results.json").write_text(json.dumps(results, indent=1))
    if failed:
        raise SystemExit(f"`fiveareas serve` did not start with --workers {failed}")


if __name__ == "__main__":
    main()
