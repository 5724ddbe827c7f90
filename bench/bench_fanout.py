"""Live fan-out of one document: Accord next to a bare ``websockets`` relay.

Run: ``.venv/bin/python bench/bench_fanout.py [--quick]``.

For N connected clients on document 1, ten of them typing single characters at a total
of R keystrokes per second (at most one edit in flight per editor, keystrokes typed
meanwhile buffered into the next edit, as docs/protocol.md asks), it measures:

- delivered: of every (edit, other client) pair, the share received before the phase
  ended (the phase waits for acknowledgements and for the frames to stop, bounded);
- p50 / p99 latency from the editor's send to the receipt at each other client;
- the achieved edit rate (edits sent per second; keystrokes are composed when the
  acknowledgements lag behind the typing);
- server CPU (user + system, all threads) per edit and per delivery;
- server RSS per connection (RSS with N clients joined, minus RSS with the room loaded
  and nobody connected, divided by N).

The same load generator then drives ``fanout_relay.py`` (``websockets.broadcast`` of
one pre-encoded frame to every other client) for the same figures; the ratio of CPU per
delivery is printed. Servers and load generator share the machine's cores; every
figure is the median over ``--repeats`` runs, and ratios are taken within a repeat.

Each server runs in its own process on 127.0.0.1 with a fresh copy of a migrated,
demo-seeded SQLite database; the clients run in ``--workers`` processes
(``fanout_load.py``). Results go to ``bench/results/fanout-<date>.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from fanout_load import (  # noqa: E402
    ClientPlan,
    PhasePlan,
    PhaseResult,
    WorkerPlan,
    author_of,
    worker_main,
)

from app.auth.models import AffiliationKind, RoleName  # noqa: E402
from app.client.session import login_sync  # noqa: E402
from app.conferences.models import Conference  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.db.session import make_engine, make_session_factory, transaction  # noqa: E402
from app.delegations.models import Delegation  # noqa: E402
from app.demo import fixtures  # noqa: E402
from app.demo.seed import seed_demo  # noqa: E402

DOCUMENT_ID = 1
PASSWORD = "fanout-bench-password"
SECRET_KEY = "fanout-bench-secret-key-0123456789"
WATCHER_ACCOUNTS = 4
TARGETS = ("accord", "relay")


@dataclass(frozen=True)
class Account:
    username: str
    editor: bool
    token: str = ""


@dataclass
class Options:
    sizes: list[int]
    rates: list[int]
    editors: int
    duration_s: float
    repeats: int
    workers: int
    compression: list[bool]  # permessage-deflate offered by the clients, per mode to run
    grace_s: float
    quiet_s: float
    quick: bool
    keep: bool
    text_kb: int  # 0: the demo document as seeded
    out_dir: Path
    code_dir: Path = ROOT  # where the Accord servers import ``app`` from
    rerender: Path | None = None


@dataclass
class PhaseFigures:
    target: str
    compression: bool  # offered by the clients
    clients: int
    rate: int
    repeat: int
    connected: int
    duration_s: float
    wall_s: float
    keystrokes: int
    edits_sent: int
    edits_acked: int
    expected: int
    delivered: int
    duplicates: int
    late_or_lost: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    ack_p50_ms: float
    ack_p99_ms: float
    typing_p50_ms: float  # first buffered keystroke -> receipt
    mean_chars_per_edit: float
    server_cpu_s: float
    server_cpu_share: float  # of one core, over the phase
    cpu_us_per_edit: float
    cpu_us_per_delivery: float
    cpu_us_per_frame: float  # per frame received by a client (edits frames carry several edits)
    frames: int
    bytes_per_delivery: float
    frames_per_edit_per_client: float
    generator_cpu_share: float
    machine_busy_cores: float
    other_busy_cores: float  # machine busy minus server minus load generator
    frame_types: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    rss_idle_kb: float = 0.0
    rss_connected_kb: float = 0.0
    rss_after_kb: float = 0.0
    rss_kb_per_conn: float = 0.0
    idle_cpu_share: float = 0.0  # with N clients connected and nobody typing
    connect_s: float = 0.0  # time to connect and join all N clients
    connect_cpu_s: float = 0.0  # server CPU during that time (+ 1 s for the last presence)
    connect_mb: float = 0.0  # received by the clients while joining (welcomes, presence)
    server_log_problems: list[str] = field(default_factory=list)
    deflate_share: float = 0.0  # of the connections, those on which compression was accepted
    server_code: str = ""  # fingerprint of app/ when the server started

    @property
    def edits_per_s(self) -> float:
        return self.edits_sent / self.duration_s

    @property
    def delivered_share(self) -> float:
        return self.delivered / self.expected if self.expected else 0.0


# -- setup -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def prepare_template(data_dir: Path, editors: int, text_kb: int) -> tuple[list[Account], str]:
    """Migrate and seed a database; add ``editors`` + a few watcher delegates; with
    ``text_kb``, grow the document to that size by repeating its paragraphs. Returns the
    accounts and the document's text."""
    from app.documents.models import DraftDocument

    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'accord.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            seed_demo(db)
            accounts = _add_delegates(db, editors)
            document = db.get(DraftDocument, DOCUMENT_ID)
            if document is None:
                raise RuntimeError(f"the demo seed has no document {DOCUMENT_ID}")
            if text_kb:
                document.text = grown(document.text, text_kb * 1000)
            text = document.text
    finally:
        engine.dispose()
    return accounts, text


def grown(text: str, size: int) -> str:
    """Whole copies of ``text`` (it ends with a paragraph break) up to about ``size``."""
    unit = text if text.endswith("\n") else text + "\n"
    return unit * max(1, round(size / len(unit)))


def _add_delegates(db: Any, editors: int) -> list[Account]:
    from sqlalchemy import select

    from app.auth.service import create_user, grant_role

    conference = db.scalar(select(Conference).where(Conference.code == fixtures.CONFERENCE.code))
    delegations = list(
        db.scalars(
            select(Delegation)
            .where(Delegation.conference_id == conference.id)
            .order_by(Delegation.id)
        )
    )
    accounts = []
    names = [
        (f"fanout.editor{i + 1:02d}", f"Bench Editor {i + 1:02d}", True) for i in range(editors)
    ]
    names += [
        (f"fanout.watcher{i + 1:02d}", f"Bench Watcher {i + 1:02d}", False)
        for i in range(WATCHER_ACCOUNTS)
    ]
    for number, (username, display_name, editor) in enumerate(names):
        user = create_user(
            db,
            username=username,
            email=f"{username}@example.org",
            display_name=display_name,
            password=PASSWORD,
            affiliation_kind=AffiliationKind.ministry,
            affiliation_name="Bench",
            delegation=delegations[number % len(delegations)],
        )
        grant_role(db, user, RoleName.delegate, conference_id=conference.id)
        accounts.append(Account(username, editor))
    return accounts


def copy_database(template: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in template.glob("accord.db*"):
        shutil.copy(path, target / path.name)


# -- servers ---------------------------------------------------------------------------


class ServerProcess:
    def __init__(
        self, kind: str, data_dir: Path, port: int, text: str = "", code_dir: Path = ROOT
    ) -> None:
        self.kind = kind
        self.code_dir = code_dir
        self.text = text  # the relay's document
        self.data_dir = data_dir
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"{kind}-{port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout_s: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.kind == "accord":
            command = [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)]
        else:
            text_path = self.data_dir / "relay-text.txt"
            text_path.write_text(self.text, encoding="utf-8")
            command = [
                sys.executable,
                str(BENCH / "fanout_relay.py"),
                "--port",
                str(self.port),
                "--text",
                str(text_path),
            ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.code_dir, env=self._env(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited:\n{self.log_tail()}")
            if self._ready():
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not start:\n{self.log_tail()}")

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
        env.update(
            {
                "ACCORD_DATA_DIR": str(self.data_dir),
                "ACCORD_ENVIRONMENT": "test",
                "ACCORD_SECRET_KEY": SECRET_KEY,
                "ACCORD_LOG_LEVEL": "WARNING",
                "ACCORD_HOST": "127.0.0.1",
                "ACCORD_ALLOWED_ORIGINS": json.dumps([self.url]),
                "ACCORD_MAX_EDITS_PER_SECOND": "100000",
                "ACCORD_EDIT_BURST": "100000",
            }
        )
        return env

    def _ready(self) -> bool:
        if self.kind == "accord":
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=1):  # noqa: S310
                    return True
            except OSError:
                return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def log_tail(self, chars: int = 3000) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@contextmanager
def running(server: ServerProcess) -> Iterator[ServerProcess]:
    try:
        server.start()
        yield server
    finally:
        server.stop()


def cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def rss_kb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / 1024


def machine_busy_s() -> float:
    """Busy CPU seconds of the whole machine (all cores) since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


async def _probe(server: ServerProcess, token: str) -> None:
    """One join and leave, so that the room is loaded before RSS is taken idle."""
    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    url = f"ws://127.0.0.1:{server.port}/ws"
    async with asyncio.timeout(30):
        async with connect(
            url,
            additional_headers={"Cookie": f"accord_session={token}"},
            origin=Origin(server.url),
        ) as websocket:
            await websocket.send(json.dumps({"type": "join", "protocol": 1, "document": 1}))
            welcome = json.loads(await websocket.recv())
            if welcome.get("type") != "welcome":
                raise RuntimeError(f"probe join refused: {welcome}")


# -- one server, N clients, every rate -------------------------------------------------


@dataclass
class Workers:
    processes: list[Any]
    pipes: list[Any]
    connected: int
    errors: list[str]
    join_frames: int = 0
    join_bytes: int = 0
    deflate: int = 0


def start_workers(
    options: Options,
    server: ServerProcess,
    accounts: list[Account],
    clients: int,
    compression: bool,
) -> Workers:
    editors = [a for a in accounts if a.editor][: options.editors]
    watchers = [a for a in accounts if not a.editor]
    plans: list[list[ClientPlan]] = [[] for _ in range(options.workers)]
    for index in range(clients):
        if index < len(editors):
            client = ClientPlan(index, editors[index].token, editor=True)
        else:
            client = ClientPlan(index, watchers[index % len(watchers)].token, editor=False)
        plans[index % options.workers].append(client)
    context = multiprocessing.get_context("spawn")
    processes, pipes = [], []
    for slice_ in plans:
        parent_end, child_end = context.Pipe()
        plan = WorkerPlan(
            host="127.0.0.1",
            port=server.port,
            origin=server.url,
            document=DOCUMENT_ID,
            clients=slice_,
            compression=compression,
            connect_timeout_s=60.0,
        )
        process = context.Process(target=worker_main, args=(child_end, plan), daemon=True)
        process.start()
        processes.append(process)
        pipes.append(parent_end)
    workers = Workers(processes, pipes, 0, [])
    try:
        for pipe in pipes:
            message = _receive(pipe, 180.0, "connect")
            workers.connected += message[1]
            workers.errors.extend(message[2])
            workers.join_frames += message[3]
            workers.join_bytes += message[4]
            workers.deflate += message[5]
    except BaseException:
        stop_workers(workers)
        raise
    return workers


def stop_workers(workers: Workers) -> None:
    for pipe in workers.pipes:
        with suppress(OSError):
            pipe.send(("stop",))
    for process in workers.processes:
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join(5)


def _receive(pipe: Any, timeout_s: float, what: str) -> tuple[Any, ...]:
    if not pipe.poll(timeout_s):
        raise RuntimeError(f"load generator gave no answer ({what}) within {timeout_s:.0f} s")
    message: tuple[Any, ...] = pipe.recv()
    return message


def run_server(
    options: Options,
    target: str,
    compression: bool,
    clients: int,
    repeat: int,
    accounts: list[Account],
    text: str,
    template: Path,
    scratch: Path,
    phase_counter: Iterator[int],
) -> list[PhaseFigures]:
    port = free_port()
    data_dir = scratch / f"{target}-{clients}-{repeat}-{'deflate' if compression else 'plain'}"
    if target == "accord":
        copy_database(template, data_dir)
    server = ServerProcess(target, data_dir, port, text, options.code_dir)
    figures: list[PhaseFigures] = []
    code = code_fingerprint(options.code_dir) if target == "accord" else ""
    with running(server):
        asyncio.run(_probe(server, accounts[0].token))
        time.sleep(0.5)
        rss_idle = rss_kb(server.pid)
        connect_start, connect_cpu = time.monotonic(), cpu_s(server.pid)
        workers = start_workers(options, server, accounts, clients, compression)
        connect_s = time.monotonic() - connect_start - 1.0  # the workers wait 1 s at the end
        connect_cpu = cpu_s(server.pid) - connect_cpu
        print(
            f"    server pid {server.pid} port {server.port}: "
            f"{workers.connected} clients joined in {connect_s:.1f} s",
            flush=True,
        )
        try:
            if workers.errors:
                print(f"    {len(workers.errors)} connections failed: {workers.errors[:3]}")
            if workers.connected <= options.editors:
                raise RuntimeError(f"only {workers.connected} clients connected to {target}")
            cpu_before, idle_start = cpu_s(server.pid), time.monotonic()
            time.sleep(1.0)
            idle_share = (cpu_s(server.pid) - cpu_before) / (time.monotonic() - idle_start)
            rss_connected = rss_kb(server.pid)
            for rate in options.rates:
                phase = next(phase_counter)
                figure = run_phase(
                    options, server, workers, (target, compression), clients, rate, repeat, phase
                )
                figure.rss_idle_kb, figure.rss_connected_kb = rss_idle, rss_connected
                figure.rss_kb_per_conn = (rss_connected - rss_idle) / max(1, workers.connected)
                figure.idle_cpu_share = idle_share
                figure.rss_after_kb = rss_kb(server.pid)
                figure.connect_s = connect_s
                figure.connect_cpu_s = connect_cpu
                figure.connect_mb = workers.join_bytes / 1e6
                figure.deflate_share = workers.deflate / max(1, workers.connected)
                figure.server_code = code
                figures.append(figure)
                print("    " + describe(figure), flush=True)
                time.sleep(0.5)
        finally:
            stop_workers(workers)
            if not server.alive():
                print(f"    {target} died:\n{server.log_tail()}")
    problems = log_problems(server.log_path)
    if problems:
        print(f"    {len(problems)} problem line(s) in the server log, first: {problems[0]}")
    for figure in figures:
        figure.server_log_problems = problems[:20]
    return figures


def snapshot_code(target: Path) -> Path:
    """Copy the server's code (``app``, migrations) so that every server of a run runs
    the same code, even if the checkout changes meanwhile. ``python -m app.cli`` started
    in ``target`` imports it from there."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "app", target / "app", ignore=ignore)
    shutil.copytree(ROOT / "migrations", target / "migrations", ignore=ignore)
    shutil.copy(ROOT / "alembic.ini", target / "alembic.ini")
    return target


def code_fingerprint(code_dir: Path) -> str:
    """A digest of the server's source, to tell runs of different code apart."""
    digest = hashlib.sha256()
    for path in sorted((code_dir / "app").rglob("*.py")):
        digest.update(str(path.relative_to(code_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def git_head() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.strip()


PROBLEM = re.compile(r"Traceback|\b(error|exception|critical)\b", re.IGNORECASE)


def log_problems(path: Path) -> list[str]:
    """Lines of a server log that report a failure."""
    if not path.exists():
        return []
    lines = path.read_text(errors="replace").splitlines()
    return [line[:300] for line in lines if PROBLEM.search(line)]


def run_phase(
    options: Options,
    server: ServerProcess,
    workers: Workers,
    mode: tuple[str, bool],
    clients: int,
    rate: int,
    repeat: int,
    phase: int,
) -> PhaseFigures:
    start_ns = time.monotonic_ns() + 300_000_000
    plan = PhasePlan(
        phase=phase,
        start_ns=start_ns,
        duration_s=options.duration_s,
        rate_per_editor=rate / options.editors,
        editors=options.editors,
        grace_s=options.grace_s,
        quiet_s=options.quiet_s,
    )
    for pipe in workers.pipes:
        pipe.send(("phase", plan))
    time.sleep(max(0.0, (start_ns - time.monotonic_ns()) / 1e9))
    server_before, machine_before = cpu_s(server.pid), machine_busy_s()
    generator_before = sum(_process_cpu_s(p.pid) for p in workers.processes)
    wall_before = time.monotonic()
    results: list[PhaseResult] = []
    for pipe in workers.pipes:
        message = _receive(pipe, options.duration_s + options.grace_s + 60, "phase")
        results.append(message[1])
    wall = time.monotonic() - wall_before
    server_cpu = cpu_s(server.pid) - server_before
    machine = machine_busy_s() - machine_before
    generator = sum(_process_cpu_s(p.pid) for p in workers.processes) - generator_before
    figure = figures_of(
        options, mode, clients, rate, repeat, workers.connected, results, wall, server_cpu
    )
    figure.generator_cpu_share = generator / wall
    figure.machine_busy_cores = machine / wall
    figure.other_busy_cores = max(
        0.0, figure.machine_busy_cores - figure.generator_cpu_share - figure.server_cpu_share
    )
    return figure


def _process_cpu_s(pid: int) -> float:
    try:
        return cpu_s(pid)
    except psutil.Error:
        return 0.0


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    rank = min(len(values) - 1, max(0, round(share * len(values) + 0.5) - 1))
    return values[rank]


def figures_of(
    options: Options,
    mode: tuple[str, bool],
    clients: int,
    rate: int,
    repeat: int,
    connected: int,
    results: list[PhaseResult],
    wall: float,
    server_cpu: float,
) -> PhaseFigures:
    sent: dict[int, int] = {}
    first_key: dict[int, int] = {}
    chars = 0
    acked: dict[int, int] = {}
    for result in results:
        for key, sent_ns, first_ns, count in zip(
            result.sent_key, result.sent_ns, result.first_key_ns, result.chars, strict=True
        ):
            sent[key] = sent_ns
            first_key[key] = first_ns
            chars += count
        for key, acked_ns in zip(result.acked_key, result.acked_ns, strict=True):
            acked[key] = acked_ns
    seen: set[tuple[int, int]] = set()
    latencies: list[float] = []
    typing: list[float] = []
    duplicates = 0
    for result in results:
        for receiver, key, recv_ns in zip(
            result.recv_client, result.recv_key, result.recv_ns, strict=True
        ):
            sent_at = sent.get(key)
            if sent_at is None or author_of(key) == receiver:
                continue
            pair = (receiver, key)
            if pair in seen:
                duplicates += 1
                continue
            seen.add(pair)
            latencies.append((recv_ns - sent_at) / 1e6)
            typing.append((recv_ns - first_key[key]) / 1e6)
    latencies.sort()
    typing.sort()
    ack_times = sorted((acked[k] - sent[k]) / 1e6 for k in acked if k in sent)
    expected = len(sent) * (connected - 1)
    delivered = len(latencies)
    frames = sum(r.frames for r in results)
    frame_bytes = sum(r.frame_bytes for r in results)
    frame_types: dict[str, int] = {}
    errors: dict[str, int] = {}
    for result in results:
        for name, count in result.frame_types.items():
            frame_types[name] = frame_types.get(name, 0) + count
        for name, count in result.errors.items():
            errors[name] = errors.get(name, 0) + count
    edits_acked = len(acked)
    return PhaseFigures(
        target=mode[0],
        compression=mode[1],
        clients=clients,
        rate=rate,
        repeat=repeat,
        connected=connected,
        duration_s=options.duration_s,
        wall_s=wall,
        keystrokes=sum(r.keystrokes for r in results),
        edits_sent=len(sent),
        edits_acked=edits_acked,
        expected=expected,
        delivered=delivered,
        duplicates=duplicates,
        late_or_lost=expected - delivered,
        p50_ms=percentile(latencies, 0.50),
        p90_ms=percentile(latencies, 0.90),
        p99_ms=percentile(latencies, 0.99),
        max_ms=latencies[-1] if latencies else float("nan"),
        ack_p50_ms=percentile(ack_times, 0.50),
        ack_p99_ms=percentile(ack_times, 0.99),
        typing_p50_ms=percentile(typing, 0.50),
        mean_chars_per_edit=chars / len(sent) if sent else 0.0,
        server_cpu_s=server_cpu,
        server_cpu_share=server_cpu / wall,
        cpu_us_per_edit=server_cpu / max(1, edits_acked) * 1e6,
        cpu_us_per_delivery=server_cpu / max(1, delivered) * 1e6,
        cpu_us_per_frame=server_cpu / max(1, frames) * 1e6,
        frames=frames,
        bytes_per_delivery=frame_bytes / max(1, delivered),
        frames_per_edit_per_client=frames / max(1, len(sent) * connected),
        generator_cpu_share=0.0,
        machine_busy_cores=0.0,
        other_busy_cores=0.0,
        frame_types=frame_types,
        errors=errors,
        closed=sum(r.closed for r in results),
    )


def describe(figure: PhaseFigures) -> str:
    extra = ""
    if figure.errors or figure.closed:
        extra = f" errors={figure.errors} closed={figure.closed}"
    return (
        f"{figure.target:<6} {'deflate' if figure.compression else 'plain':<7} "
        f"N={figure.clients:<4} rate={figure.rate:<4} "
        f"edits/s={figure.edits_per_s:6.1f} delivered={figure.delivered_share:7.2%} "
        f"p50={figure.p50_ms:8.1f} ms p99={figure.p99_ms:8.1f} ms "
        f"cpu/edit={figure.cpu_us_per_edit:8.0f} µs "
        f"cpu/delivery={figure.cpu_us_per_delivery:6.1f} µs "
        f"server={figure.server_cpu_share:4.0%} gen={figure.generator_cpu_share:4.0%} "
        f"other={figure.other_busy_cores:4.0%}{extra}"
    )


# -- summary ---------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    finite = [v for v in values if v == v]
    return statistics.median(finite) if finite else float("nan")


def summarise(options: Options, figures: list[PhaseFigures]) -> list[dict[str, Any]]:
    rows = []
    for compression, clients, rate in itertools.product(
        options.compression, options.sizes, options.rates
    ):
        same = [
            f for f in figures if (f.compression, f.clients, f.rate) == (compression, clients, rate)
        ]
        relay = {f.repeat: f for f in same if f.target == "relay"}
        for target in TARGETS:
            cell = [f for f in same if f.target == target]
            if cell:
                rows.append(summary_row(target, compression, clients, rate, cell, relay))
    return rows


def summary_row(
    target: str,
    compression: bool,
    clients: int,
    rate: int,
    cell: list[PhaseFigures],
    relay: dict[int, PhaseFigures],
) -> dict[str, Any]:
    ratios = [
        f.cpu_us_per_delivery / relay[f.repeat].cpu_us_per_delivery
        for f in cell
        if target != "relay" and f.repeat in relay and relay[f.repeat].cpu_us_per_delivery > 0
    ]

    def mid(name: str) -> float:
        return median([float(getattr(f, name)) for f in cell])

    return {
        "target": target,
        "compression": compression,
        "clients": clients,
        "rate": rate,
        "repeats": len(cell),
        "edits_per_s": mid("edits_per_s"),
        "delivered": mid("delivered_share"),
        "p50_ms": mid("p50_ms"),
        "p99_ms": mid("p99_ms"),
        "cpu_us_per_edit": mid("cpu_us_per_edit"),
        "cpu_us_per_delivery": mid("cpu_us_per_delivery"),
        "cpu_us_per_frame": mid("cpu_us_per_frame"),
        "ratio_to_relay": median(ratios) if ratios else None,
        "ratio_range": [min(ratios), max(ratios)] if ratios else None,
        "rss_kb_per_conn": mid("rss_kb_per_conn"),
        "server_cpu_share": mid("server_cpu_share"),
        "generator_cpu_share": mid("generator_cpu_share"),
        "other_busy_cores": mid("other_busy_cores"),
        "bytes_per_delivery": mid("bytes_per_delivery"),
        "frames_per_edit_per_client": mid("frames_per_edit_per_client"),
        "ack_p50_ms": mid("ack_p50_ms"),
        "mean_chars_per_edit": mid("mean_chars_per_edit"),
        "connect_s": mid("connect_s"),
        "connect_cpu_s": mid("connect_cpu_s"),
        "connect_mb": mid("connect_mb"),
        "deflate_share": mid("deflate_share"),
        "errors": sum(sum(f.errors.values()) for f in cell),
        "closed": sum(f.closed for f in cell),
    }


def cost_model(options: Options, figures: list[PhaseFigures]) -> list[dict[str, Any]]:
    """CPU per edit = fixed + marginal × (N − 1), fitted by least squares over the sizes
    (every repeat a point): the part of an edit's cost that does not depend on the
    audience, and the cost of each further recipient."""
    models = []
    for compression, rate, target in itertools.product(options.compression, options.rates, TARGETS):
        points = [
            (float(f.connected - 1), f.cpu_us_per_edit)
            for f in figures
            if (f.compression, f.rate, f.target) == (compression, rate, target)
        ]
        if len({x for x, _ in points}) < 2:
            continue
        fit = statistics.linear_regression([x for x, _ in points], [y for _, y in points])
        models.append(
            {
                "target": target,
                "compression": compression,
                "rate": rate,
                "fixed_us_per_edit": fit.intercept,
                "marginal_us_per_delivery": fit.slope,
                "points": len(points),
            }
        )
    return models


def model_table(models: list[dict[str, Any]]) -> str:
    header = "| rate | server | fixed CPU µs/edit | marginal CPU µs/delivery |"
    lines = [header, _rule(header)]
    for model in models:
        lines.append(
            f"| {model['rate']} | {model['target']} | {model['fixed_us_per_edit']:.0f} "
            f"| {model['marginal_us_per_delivery']:.1f} |"
        )
    return "\n".join(lines)


HEADER = (
    "| N | rate | server | edits/s | delivered | p50 ms | p99 ms | CPU µs/edit "
    "| CPU µs/delivery | ratio to relay | RSS KB/conn |"
)
DETAIL = (
    "| N | rate | server | server CPU | generator CPU | other load | ack p50 ms "
    "| chars/edit | frames/edit/client | CPU µs/frame | bytes/delivery | deflate "
    "| join all: s, CPU s, MB |"
)


def _rule(header: str) -> str:
    return "|" + "---|" * header.count(" | ") + "---|"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [HEADER, _rule(HEADER)]
    for row in rows:
        ratio = row["ratio_to_relay"]
        lines.append(
            f"| {row['clients']} | {row['rate']} | {row['target']} "
            f"| {row['edits_per_s']:.1f} | {row['delivered']:.2%} "
            f"| {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['cpu_us_per_edit']:.0f} | {row['cpu_us_per_delivery']:.1f} "
            f"| {'' if ratio is None else f'{ratio:.2f}×'} "
            f"| {row['rss_kb_per_conn']:.1f} |"
        )
    return "\n".join(lines)


def detail_table(rows: list[dict[str, Any]]) -> str:
    lines = [DETAIL, _rule(DETAIL)]
    for row in rows:
        lines.append(
            f"| {row['clients']} | {row['rate']} | {row['target']} "
            f"| {row['server_cpu_share']:.0%} | {row['generator_cpu_share']:.0%} "
            f"| {row['other_busy_cores']:.2f} | {row['ack_p50_ms']:.1f} "
            f"| {row['mean_chars_per_edit']:.2f} | {row['frames_per_edit_per_client']:.2f} "
            f"| {row['cpu_us_per_frame']:.1f} | {row['bytes_per_delivery']:.0f} "
            f"| {row['deflate_share']:.0%} "
            f"| {row['connect_s']:.1f}, {row['connect_cpu_s']:.1f}, {row['connect_mb']:.1f} |"
        )
    return "\n".join(lines)


def mode_name(compression: bool) -> str:
    return "clients offer permessage-deflate" if compression else "no compression"


def tables(
    options: Options, rows: list[dict[str, Any]], models: list[dict[str, Any]], detail: bool
) -> str:
    parts = []
    for compression in options.compression:
        mode = [r for r in rows if r["compression"] == compression]
        if mode:
            parts += [f"### {mode_name(compression)}", "", table(mode), ""]
            if detail:
                parts += [detail_table(mode), ""]
            fitted = [m for m in models if m["compression"] == compression]
            if fitted:
                parts += [
                    "CPU per edit fitted as fixed + marginal × (N − 1) over the sizes:",
                    "",
                    model_table(fitted),
                    "",
                ]
    return "\n".join(parts)


def machine_info() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions: dict[str, str | None] = {}
    for package in ("websockets", "uvicorn", "uvloop", "fastapi", "starlette", "sqlalchemy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "versions": versions,
    }


def write_results(
    options: Options,
    info: dict[str, Any],
    rows: list[dict[str, Any]],
    models: list[dict[str, Any]],
    figures: list[PhaseFigures],
    stem: str = "",
) -> tuple[Path, Path]:
    options.out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or f"fanout-{dt.date.today().isoformat()}{'-quick' if options.quick else ''}"
    settings = {
        "sizes": options.sizes,
        "rates": options.rates,
        "editors": options.editors,
        "duration_s": options.duration_s,
        "repeats": options.repeats,
        "workers": options.workers,
        "compression": options.compression,
        "grace_s": options.grace_s,
        "quiet_s": options.quiet_s,
        "text_kb": options.text_kb,
    }
    raw = []
    for figure in figures:
        entry = dict(figure.__dict__)
        entry["edits_per_s"] = figure.edits_per_s
        entry["delivered_share"] = figure.delivered_share
        raw.append(entry)
    json_path = options.out_dir / f"{stem}.json"
    json_path.write_text(
        json.dumps(
            {
                "machine": info,
                "settings": settings,
                "summary": rows,
                "cost_model": models,
                "runs": raw,
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    md_path = options.out_dir / f"{stem}.md"
    load = ", ".join(f"{v:.2f}" for v in info["load_average_at_start"])
    modes = " and ".join(mode_name(c) for c in options.compression)
    md_path.write_text(
        "\n".join(
            [
                f"# Fan-out, {info['date']}",
                "",
                f"Machine: {info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}, "
                f"load average at start {load}.",
                f"Settings: {options.editors} editors typing at the end of document "
                f"{DOCUMENT_ID} ({info.get('document_chars', '?')} characters), "
                f"{options.duration_s:g} s per phase, medians of "
                f"{options.repeats} repeat(s), {options.workers} load-generator process(es); "
                f"{modes}. Code: {info['git_head']} (app/ digest "
                f"{', '.join(info['server_code']) or '-'}).",
                *(
                    ["", "**The server's code changed during this run: do not compare.**"]
                    if len(info["server_code"]) > 1
                    else []
                ),
                "",
                tables(options, rows, models, detail=True),
                "`rate` is the keystroke rate of all editors together; `edits/s` what was sent",
                "(one edit in flight per editor, keystrokes composed meanwhile: `chars/edit`).",
                "`delivered`, latency (editor's send to receipt) and CPU per delivery count",
                "(edit, other client) pairs. `ratio to relay`: Accord's CPU per delivery over",
                "the bare relay's, in the same repeat (median of the per-repeat ratios).",
                "CPU is user + system time of the server process, all threads, over the phase.",
                "`other load`: busy cores of the machine not used by the server or the load",
                "generator (other processes), in the same window.",
                f"Raw figures: `{json_path.name}`.",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return md_path, json_path


# -- main ------------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="Live fan-out: Accord and a bare relay.")
    parser.add_argument("--quick", action="store_true", help="3 s phases, one repeat")
    parser.add_argument("--sizes", default="50,200,500", help="connected clients per run")
    parser.add_argument("--rates", default="20,100", help="keystrokes per second, all editors")
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--duration", type=float, help="seconds of typing per phase")
    parser.add_argument("--repeats", type=int, help="runs of every cell (medians reported)")
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument(
        "--compression",
        choices=("on", "off", "both"),
        help="clients offer permessage-deflate, as browsers do (default: off)",
    )
    parser.add_argument("--grace", type=float, default=15.0, help="longest wait after a phase")
    parser.add_argument("--quiet", type=float, default=0.5, help="silence that ends a phase")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument(
        "--text-kb", type=int, default=0, help="grow the document to about this many KB"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument(
        "--rerender", type=Path, metavar="JSON", help="only rewrite the tables of a results file"
    )
    args = parser.parse_args(argv)
    return Options(
        sizes=[int(v) for v in args.sizes.split(",")],
        rates=[int(v) for v in args.rates.split(",")],
        editors=args.editors,
        duration_s=args.duration or (3.0 if args.quick else 10.0),
        repeats=args.repeats or (1 if args.quick else 3),
        workers=max(1, args.workers),
        compression={"on": [True], "off": [False], "both": [True, False]}[
            args.compression or "off"
        ],
        grace_s=args.grace,
        quiet_s=args.quiet,
        quick=args.quick,
        keep=args.keep,
        text_kb=max(0, args.text_kb),
        rerender=args.rerender,
        out_dir=args.out,
    )


def rerender(path: Path) -> int:
    """Write the tables of a results JSON again (after a change of the report)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(PhaseFigures)}
    figures = [PhaseFigures(**{k: v for k, v in run.items() if k in names}) for run in data["runs"]]
    settings = data["settings"]
    options = Options(
        sizes=settings["sizes"],
        rates=settings["rates"],
        editors=settings["editors"],
        duration_s=settings["duration_s"],
        repeats=settings["repeats"],
        workers=settings["workers"],
        compression=settings["compression"],
        grace_s=settings["grace_s"],
        quiet_s=settings["quiet_s"],
        quick=path.stem.endswith("-quick"),
        keep=False,
        text_kb=settings.get("text_kb", 0),
        out_dir=path.parent,
    )
    rows = summarise(options, figures)
    models = cost_model(options, figures)
    print(tables(options, rows, models, detail=False))
    md_path, json_path = write_results(
        options, data["machine"], rows, models, figures, stem=path.stem
    )
    print(f"written: {md_path}, {json_path}")
    return 0


def login_all(template: Path, accounts: list[Account], code_dir: Path) -> list[Account]:
    server = ServerProcess("accord", template, free_port(), code_dir=code_dir)
    with running(server):
        return [
            Account(a.username, a.editor, login_sync(server.url, a.username, PASSWORD))
            for a in accounts
        ]


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    if options.rerender is not None:
        return rerender(options.rerender)
    if min(options.sizes) <= options.editors:
        raise SystemExit("every size must exceed the number of editors")
    info = machine_info()
    info["git_head"] = git_head()
    print(
        f"fan-out: sizes {options.sizes}, rates {options.rates}/s, {options.duration_s:g} s "
        f"phases, {options.repeats} repeat(s), {info['nproc']} CPUs, Python {info['python']}",
        flush=True,
    )
    scratch = Path(tempfile.mkdtemp(prefix="accord-fanout-"))
    figures: list[PhaseFigures] = []
    failures: list[str] = []
    try:
        template = scratch / "template"
        started = time.monotonic()
        options.code_dir = snapshot_code(scratch / "code")
        accounts, text = prepare_template(template, options.editors, options.text_kb)
        accounts = login_all(template, accounts, options.code_dir)
        info["document_chars"] = len(text)
        print(
            f"  database ({len(text)} characters in document {DOCUMENT_ID}) and "
            f"{len(accounts)} logins ready in {time.monotonic() - started:.1f} s"
        )
        phases = iter(range(1, 1000))
        for repeat, compression, clients, target in itertools.product(
            range(options.repeats), options.compression, options.sizes, TARGETS
        ):
            print(
                f"  repeat {repeat + 1}/{options.repeats}, {mode_name(compression)}: {target}, "
                f"{clients} clients ({time.monotonic() - started:.0f} s)",
                flush=True,
            )
            try:
                figures += run_server(
                    options,
                    target,
                    compression,
                    clients,
                    repeat,
                    accounts,
                    text,
                    template,
                    scratch,
                    phases,
                )
            except Exception as exc:  # report, and go on with the other cells
                failures.append(f"{target} {clients} repeat {repeat}: {exc!r}")
                print(f"    FAILED: {exc}", flush=True)
    finally:
        if options.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    rows = summarise(options, figures)
    models = cost_model(options, figures)
    print()
    print(tables(options, rows, models, detail=False))
    info["failures"] = failures
    info["git_head_at_end"] = git_head()
    info["server_code"] = sorted({f.server_code for f in figures if f.server_code})
    if len(info["server_code"]) > 1:
        print(
            f"WARNING: the server's code changed during the run ({info['server_code']}); "
            "the figures of different servers are not comparable: run again.",
            flush=True,
        )
    md_path, json_path = write_results(options, info, rows, models, figures)
    print(f"written: {md_path}, {json_path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
