"""What the fault tests run and break: private servers (PostgreSQL, Redis, a RabbitMQ node) on free ports in
temporary folders, the platform's own processes (gunicorn, Celery worker and beat) started for real, an SMS
gateway that records what it is sent, and a small HTTP client.

Nothing here touches the machine's shared PostgreSQL, Redis or RabbitMQ beyond reading the session's test
database once (`pg_dump`, to copy it into the private server). Every process started is stopped at the end of
its test (its whole process group), whatever happened.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The PostgreSQL programs of the `pgserver` package (a dependency: the embedded default), PostgreSQL 16.
PGSERVER_BIN = Path(__import__("pgserver").__file__).resolve().parent / "pginstall" / "bin"


def pg_programs(major: int) -> Path:
    """The folder of PostgreSQL programs to copy a database of a `major` server with and run its copy:
    the system's of that major version (Debian: /usr/lib/postgresql/<major>/bin) when there, so that the
    dump restores as it was made, else pgserver's."""
    system = Path(f"/usr/lib/postgresql/{major}/bin")
    return system if (system / "pg_ctl").exists() and (system / "pg_restore").exists() else PGSERVER_BIN
#: PostgreSQL refuses to run as root: as root the private server runs as this user.
PG_USER_WHEN_ROOT = "nobody"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1, what: str = "") -> object:
    """`predicate()`'s first truthy value within `timeout` seconds, else AssertionError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001 - not yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


# --- processes ---------------------------------------------------------------------------------------------

@dataclass
class Proc:
    """A process started in its own process group, its output in `log`."""

    name: str
    popen: subprocess.Popen
    log: Path
    port: int = 0
    kind: str = ""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_output(self, pattern: str, timeout: float = 30, after: int = 0) -> re.Match:
        """The first match of `pattern` in the log (past character `after`); fails if the process dies first."""
        def found():
            match = re.compile(pattern).search(self.output(), after)
            if match is None and not self.alive():
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}):\n{self.tail()}")
            return match
        try:
            return wait_for(found, timeout, 0.1, f"{pattern!r} in {self.name}'s log")  # type: ignore[return-value]
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- {self.name}'s log, last lines:\n{self.tail()}") from None

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (a prefork worker's children, gunicorn's workers die with it)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        if sig == signal.SIGKILL:
            self.popen.wait(10)

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
        # children left behind by a killed parent (a prefork pool's, gunicorn's workers) share its group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)


def start(name: str, command: list[str], *, env: dict, log_dir: Path, user: str | None = None,
          cwd: Path = ROOT) -> Proc:
    log = log_dir / f"{name}.log"
    out = log.open("ab")
    try:
        popen = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True, user=user)
    finally:
        out.close()
    return Proc(name, popen, log)


class Processes:
    """The platform's processes of one test, each started through tests/faults/launch.py (which applies a
    deliberately broken variant when asked); all stopped at the end of the test."""

    def __init__(self, log_dir: Path, env: dict) -> None:
        self.log_dir, self.env, self.started = log_dir, env, []

    def launch(self, name: str, *args: str, variant: str = "", **env: str) -> Proc:
        full_env = {**self.env, **env, "GOVSERVICE_FAULT_VARIANT": variant}
        proc = start(name, [sys.executable, "-m", "tests.faults.launch", *args], env=full_env, log_dir=self.log_dir)
        self.started.append(proc)
        return proc

    def web(self, name: str, port: int, *, workers: int = 2, threads: int = 4, variant: str = "", wait: bool = True,
            **env: str) -> Proc:
        """gunicorn as platform/Procfile runs it; `wait`: until it listens (else `ready()` later)."""
        proc = self.launch(name, "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                           "--threads", str(threads), "--worker-connections", str(threads), "--keep-alive", "0",
                           "--graceful-timeout", "2", "--timeout", "60", "--access-logfile", "-",
                           variant=variant, **env)
        proc.port = port
        if wait:
            self.ready(proc)
        return proc

    def worker(self, name: str, *, concurrency: int = 2, variant: str = "", wait: bool = True, **env: str) -> Proc:
        """A Celery worker (prefork); `wait`: until it says it is ready (else `ready()` later)."""
        args = ["celery", "-A", "config", "worker", "-l", "info", "-n", f"{name}@%h", "--concurrency",
                str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat"]
        proc = self.launch(name, *args, variant=variant, **env)
        proc.kind = "worker"
        if wait:
            self.ready(proc)
        return proc

    def ready(self, *procs: Proc) -> None:
        """Wait until each web server listens and each worker is ready (started together, they boot at once)."""
        for proc in procs:
            if proc.port:
                wait_for(lambda proc=proc: port_open(proc.port) or (not proc.alive() and _died(proc)), 60, 0.1,
                         f"{proc.name} listening")
            elif proc.kind == "worker":
                proc.wait_output(r"@\S+ ready\.", 60)

    def beat(self, name: str, *, variant: str = "", **env: str) -> Proc:
        schedule = self.log_dir / f"{name}-schedule"
        return self.launch(name, "celery", "-A", "config", "beat", "-l", "info", "-s", str(schedule),
                           "--max-interval", "1", variant=variant, **env)

    def tool(self, *args: str, variant: str = "", timeout: float = 120, **env: str) -> str:
        """Run tests/faults/tool.py (seed, enqueue ...) and return what it printed."""
        full_env = {**self.env, **env, "GOVSERVICE_FAULT_VARIANT": variant}
        done = subprocess.run([sys.executable, "-m", "tests.faults.tool", *args], cwd=ROOT, env=full_env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"tool {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def manage(self, *args: str, timeout: float = 120, **env: str) -> str:
        full_env = {**self.env, **env}
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n"
                                 f"{done.stderr}")
        return done.stdout

    def stop_all(self) -> None:
        """SIGKILL every process started (its whole group): a test's end needs no graceful shutdown."""
        for proc in reversed(self.started):
            if proc.alive():
                proc.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def _died(proc: Proc) -> bool:
    raise AssertionError(f"{proc.name} exited ({proc.popen.returncode}):\n{proc.tail()}")


# --- a private PostgreSQL --------------------------------------------------------------------------------

class PrivatePostgres:
    """A PostgreSQL server of the test's own (`pg_programs`) on a free port, in a temporary folder, run as
    `nobody` when the tests run as root. Restart it at will: nobody else uses it."""

    def __init__(self, programs: Path = PGSERVER_BIN) -> None:
        self.bin = programs
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="govservice-faults-pg-"))
        self.data, self.sockets = self.folder / "data", self.folder / "sockets"
        self.user = PG_USER_WHEN_ROOT if os.geteuid() == 0 else None
        self.sockets.mkdir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.folder, self.sockets):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(self.bin / "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--no-sync", "--no-instructions")

    def _run(self, *command: object, check: bool = True, as_server: bool = True) -> subprocess.CompletedProcess:
        who = {}
        if as_server and self.user:
            who = {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid, "extra_groups": []}
        done = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=self.folder, timeout=300,
                              **who)
        if check and done.returncode != 0:
            name = Path(str(command[0])).name
            raise AssertionError(f"{name} failed ({done.returncode}): {done.stdout}\n{done.stderr}")
        return done

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                  "-c fsync=off -c full_page_writes=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, *, mode: str = "fast", down_seconds: float = 1.0) -> float:
        """Stop (`fast`: connections ended, a clean shutdown; `immediate`: as a crash, recovery at start),
        stay down `down_seconds`, start again; returns how long it was unreachable."""
        began = time.monotonic()
        self.stop(mode)
        time.sleep(down_seconds)
        self.start()
        return time.monotonic() - began

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def query(self, sql: str, params: tuple | list = (), database: str = "govservice_faults") -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=10) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def copy_database(self, source_url: str, database: str) -> None:
        """`database` here, made from `source_url` (the session's test database) by pg_dump and pg_restore."""
        dump = self.folder / "copy.dump"
        self._run(self.bin / "pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", dump, "-d", source_url,
                  as_server=False)
        self.query(f'CREATE DATABASE "{database}"', database="postgres")
        self._run(self.bin / "pg_restore", "--no-owner", "--no-privileges", "-j", "2", "-d", self.url(database), dump,
                  as_server=False)
        dump.unlink()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


# --- a private Redis and a private RabbitMQ node --------------------------------------------------------------

class PrivateRedis:
    """redis-server on a free port in a temporary folder. `appendonly` (what docs/operations.md asks of a
    production broker) keeps queued tasks across a restart; without it and with no snapshot they are lost."""

    def __init__(self, folder: Path, *, appendonly: bool = True) -> None:
        self.port, self.folder, self.appendonly = free_port(), folder, appendonly
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                   "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always"]
        self.proc = start("redis", command, env=dict(os.environ), log_dir=self.folder)
        wait_for(lambda: port_open(self.port), 20, 0.05, "redis-server listening")

    def stop(self) -> None:
        """SIGTERM: what `systemctl restart redis` does (the append-only file is flushed and closed)."""
        if self.proc is not None:
            self.proc.stop()

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


class PrivateRabbit:
    """A RabbitMQ node of its own (not the machine's `rabbit@localhost`): its own node name, AMQP and
    distribution ports, database and log folders, no plugins (so no management port to collide with), started
    with RabbitMQ's own script."""

    SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    CTL = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")

    def __init__(self, folder: Path) -> None:
        self.port, self.dist_port, self.folder = free_port(), free_port(), folder
        self.node = f"govfaults{self.port}@localhost"
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        self.env = {**os.environ, "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_DIST_PORT": str(self.dist_port),
                    "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"), "RABBITMQ_LOG_BASE": str(folder / "log"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
                    "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"), "RABBITMQ_PID_FILE": str(folder / "pid"),
                    "RABBITMQ_ADVANCED_CONFIG_FILE": str(folder / "advanced.config"),
                    "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"), "ERL_EPMD_ADDRESS": "127.0.0.1"}
        (folder / "rabbitmq-env.conf").write_text("")
        self.proc: Proc | None = None

    @classmethod
    def available(cls) -> bool:
        return cls.SERVER.exists() and shutil.which("erl") is not None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self, timeout: float = 90) -> None:
        self.proc = start("rabbitmq", [str(self.SERVER)], env=self.env, log_dir=self.folder)
        wait_for(lambda: self._answers() or (not self.proc.alive() and _died(self.proc)), timeout, 0.3,
                 f"RabbitMQ node {self.node} accepting AMQP")

    def _answers(self) -> bool:
        from kombu import Connection

        if not port_open(self.port):
            return False
        with Connection(self.url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True

    def stop(self) -> None:
        if self.proc is not None and self.proc.alive():
            subprocess.run([str(self.CTL), "-n", self.node, "stop"], env=self.env, capture_output=True, timeout=60,
                           check=False)
            self.proc.stop()

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


# --- an SMS gateway that records what it is sent ---------------------------------------------------------------

@dataclass
class Gateway:
    """An HTTP SMS gateway (the `http` backend's protocol: POST {to, text, id}) on a free port. Each message
    is recorded when it arrives (`received`: ids in order); the answer comes `delay` seconds later. `hold(n)`
    makes the n-th message to arrive wait, unanswered, until `release()`: a send caught in flight."""

    delay: float = 0.0
    received: list[str] = field(default_factory=list)
    open: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _hold_at: int = 0
    _held: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)
    held_id: str = ""

    def __post_init__(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                message_id = str(body.get("id"))
                with gateway._lock:
                    gateway.received.append(message_id)
                    gateway.open.add(message_id)
                    hold = len(gateway.received) == gateway._hold_at
                if hold:
                    gateway.held_id = message_id
                    gateway._held.set()
                    gateway._release.wait(60)
                elif gateway.delay:
                    time.sleep(gateway.delay)
                with gateway._lock:
                    gateway.open.discard(message_id)
                with contextlib.suppress(OSError):
                    reply = json.dumps({"id": f"gw-{message_id}"}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def hold(self, nth: int) -> None:
        with self._lock:
            self._hold_at = nth

    def wait_held(self, timeout: float = 30) -> str:
        assert self._held.wait(timeout), "no message reached the gateway to be held"
        return self.held_id

    def release(self) -> None:
        self._release.set()

    def counts(self) -> dict[str, int]:
        with self._lock:
            counts: dict[str, int] = {}
            for message_id in self.received:
                counts[message_id] = counts.get(message_id, 0) + 1
            return counts

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


# --- an HTTP client ---------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    body: dict | str
    headers: dict


def call(port: int, method: str, path: str, *, host: str, data: dict | None = None, headers: dict | None = None,
         timeout: float = 30) -> Answer:
    """One request to 127.0.0.1:`port` as `host`; raises OSError (http.client's errors included) when no
    answer comes back (the server died, the connection was cut)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        body = json.dumps(data).encode() if data is not None else None
        sent = {"Host": host, "Accept": "application/json", "Accept-Language": "en", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        raw = response.read().decode(errors="replace")
        try:
            parsed: dict | str = json.loads(raw)
        except ValueError:
            parsed = raw
        return Answer(response.status, parsed, dict(response.getheaders()))
    except http.client.HTTPException as error:
        raise ConnectionError(f"{type(error).__name__}: {error}") from error
    finally:
        conn.close()


@contextlib.contextmanager
def stopping(*things) -> Iterator[None]:
    try:
        yield
    finally:
        for thing in things:
            with contextlib.suppress(Exception):
                thing.stop()
