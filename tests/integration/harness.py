"""Starts real redraft-server (and reference redis-server) processes for integration tests.

Every process is started on free loopback ports with its own temp directory and is ended by
PID when the test ends (atexit too), so a failing test never leaks servers.
"""
import atexit
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings

warnings.simplefilter("ignore", ResourceWarning)

SERVER_BIN = os.environ.get("REDRAFT_SERVER_BIN", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin", "redraft-server"))
REDIS_BIN = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")

_live = []


# The peer secret of every cluster the tests start (cluster/peer_auth.h): every peer connection
# authenticates, as in a real deployment. Nodes started to join a cluster need it too.
CLUSTER_SECRET = "test-" + os.urandom(12).hex()
SECRET_ARGS = ["--cluster-secret", CLUSTER_SECRET]


def _cleanup():
    for p in list(_live):
        try:
            p.kill()
            p.wait(timeout=5)
        except Exception:
            pass


atexit.register(_cleanup)


def _port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


_handed_out = set()


def free_port():
    """A port p with p and p+10000 (the peer port) both free, both below Linux's ephemeral range
    (net.ipv4.ip_local_port_range, 32768-60999 by default): a port inside it can be taken by any
    outgoing connection's local end (another node dialing a peer, a client) while its node is down,
    and its restart then fails with EADDRINUSE.
    Ports are handed out from 10000-19999 only, so no port handed out can be another server's peer
    port (20000-29999), which is not bound until that server starts; and never twice by one test
    process (a cluster picks all its ports before starting any node)."""
    for _ in range(1000):
        p = random.randint(10000, 19999)
        if p not in _handed_out and _port_free(p) and _port_free(p + 10000):
            _handed_out.add(p)
            return p
    raise RuntimeError("no free port")


def wait_ping(port, timeout=15.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer PING within {timeout}s")


class Server:
    """One redraft-server process with its own data directory."""

    def __init__(self, port=None, datadir=None, args=(), conf=None):
        self.conf = conf  # a config file, given before the directives (as redis-server takes it)
        self.auto_port = port is None
        self.port = port or free_port()
        self.owns_dir = datadir is None
        self.dir = datadir or tempfile.mkdtemp(prefix="redraft-it-")
        self.args = list(args)
        self.env = None  # extra environment variables (e.g. a skewed clock through libfaketime)
        self.proc = None

    def start(self, wait=True):
        cmd = ([SERVER_BIN] + ([self.conf] if self.conf else []) +
               ["--port", str(self.port), "--dir", self.dir, "--bind", "127.0.0.1"] + self.args)
        env = dict(os.environ, **self.env) if self.env else None
        with open(os.path.join(self.dir, "server.log"), "ab") as log:
            # A session of its own: a server paused with SIGSTOP must not be killed by the SIGHUP
            # the kernel sends a stopped process whose process group becomes orphaned (when the
            # shell that started the test suite exits before it).
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        _live.append(self.proc)
        if wait:
            try:
                wait_ping(self.port, proc=self.proc)
            except RuntimeError:
                # Another test may have taken the port (or port + 10000) since free_port()
                # looked: a server on a port we chose gets one more try elsewhere.
                if not self.auto_port or self.proc.poll() is None:
                    raise
                _live.remove(self.proc)
                self.port = free_port()
                self.auto_port = False
                return self.start(wait)
        return self

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        _live.remove(self.proc)

    def stop(self, timeout=20):
        """SIGTERM and wait: a clean shutdown."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        if self.proc in _live:
            _live.remove(self.proc)
        return self.proc.returncode

    def log(self):
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.kill9()
        if self.owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """Debian's redis-server, the reference for behaviour."""

    def __init__(self, args=()):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redis-ref-")
        self.args = list(args)

    def start(self):
        cmd = [REDIS_BIN, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _live.append(self.proc)
        wait_ping(self.port, proc=self.proc)
        return self

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        _live.remove(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawConn:
    """A socket that reads whole RESP replies as raw bytes (for byte-exact comparisons)."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buf += chunk

    def _line(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return i
            self._fill()

    def _reply_end(self, pos):
        end = self._line(pos)
        t = self.buf[pos:pos + 1]
        head = self.buf[pos + 1:end]
        if t in (b"+", b"-", b":", b",", b"#", b"_", b"("):
            return end + 2
        if t in (b"$", b"=", b"!"):
            n = int(head)
            if n < 0:
                return end + 2
            while len(self.buf) < end + 2 + n + 2:
                self._fill()
            return end + 2 + n + 2
        if t in (b"*", b"~", b">", b"%", b"|"):
            n = int(head)
            if t in (b"%", b"|"):
                n *= 2
            p = end + 2
            for _ in range(max(n, 0)):
                p = self._reply_end(p)
            return p
        raise ValueError(f"bad reply type {t!r} in {self.buf[pos:pos+50]!r}")

    def reply(self):
        if not self.buf:
            self._fill()
        end = self._reply_end(0)
        r, self.buf = self.buf[:end], self.buf[end:]
        return r

    def call(self, *args):
        self.send(encode(*args))
        return self.reply()

    def closed_by_peer(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
                self.buf += d
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
