"""Redis's observability tools on a redraft node (issue 13, docs/observability.md): INFO
commandstats / errorstats / latencystats, SLOWLOG, LATENCY and MONITOR, driven by real clients.
The deterministic texts (HELP, errors) are compared byte for byte in compat_cases_observability.txt;
this file checks what depends on time and traffic. One single-node server, bounded in time."""
import os
import re
import socket
import subprocess
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import RawConn, Server, encode  # noqa: E402


class ReplyError(Exception):
    pass


def parse(data, pos=0):
    """One RESP2 reply: (value, next_pos); bulk strings stay bytes, errors become ReplyError."""
    nl = data.index(b"\r\n", pos)
    kind, rest = data[pos:pos + 1], data[pos + 1:nl]
    pos = nl + 2
    if kind == b"+":
        return rest, pos
    if kind == b"-":
        return ReplyError(rest), pos
    if kind == b":":
        return int(rest), pos
    if kind == b"$":
        n = int(rest)
        return (None, pos) if n < 0 else (data[pos:pos + n], pos + n + 2)
    if kind == b"*":
        n = int(rest)
        items = []
        for _ in range(max(n, 0)):
            item, pos = parse(data, pos)
            items.append(item)
        return items, pos
    raise ValueError(data[pos - 1:pos + 20])


class Conn(RawConn):
    def call(self, *args):
        return parse(super().call(*args))[0]


def info(conn, section):
    text = conn.call("INFO", section).decode()
    out = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def fields(value):
    return dict(kv.split("=", 1) for kv in value.split(","))


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def conn(self):
        c = Conn(self.server.port)
        self.addCleanup(c.close)
        return c

    def test_commandstats_count_calls_failures_and_rejections(self):
        c = self.conn()
        c.call("CONFIG", "RESETSTAT")
        for i in range(50):
            c.call("SET", "cs:%d" % i, "v")
        for i in range(20):
            c.call("GET", "cs:%d" % i)
        c.call("LPUSH", "cs:list", "x")
        err = c.call("GET", "cs:list")  # WRONGTYPE: the command ran and failed
        self.assertIsInstance(err, ReplyError)
        self.assertIn(b"WRONGTYPE", err.args[0])
        c.call("GET")  # arity: rejected before running
        c.call("NOSUCHCOMMAND")  # unknown: only an error statistic
        stats = info(c, "commandstats")
        s = fields(stats["cmdstat_set"])
        self.assertEqual(s["calls"], "50")
        self.assertEqual(s["failed_calls"], "0")
        g = fields(stats["cmdstat_get"])
        self.assertEqual(g["calls"], "21")
        self.assertEqual(g["failed_calls"], "1")
        self.assertEqual(g["rejected_calls"], "1")
        self.assertGreater(float(s["usec_per_call"]), 0)
        self.assertNotIn("cmdstat_nosuchcommand", stats)
        errors = info(c, "errorstats")
        self.assertEqual(errors["errorstat_WRONGTYPE"], "count=1")
        self.assertEqual(errors["errorstat_ERR"], "count=2")
        lat = info(c, "latencystats")
        p = fields(lat["latency_percentiles_usec_set"])
        self.assertTrue(float(p["p50"]) <= float(p["p99"]) <= float(p["p99.9"]))
        # The default INFO has errorstats but neither commandstats nor latencystats (as Redis).
        default = c.call("INFO").decode()
        self.assertIn("# Errorstats", default)
        self.assertNotIn("# Commandstats", default)
        self.assertNotIn("# Latencystats", default)
        everything = c.call("INFO", "everything").decode()
        self.assertIn("# Commandstats", everything)
        self.assertIn("# Latencystats", everything)
        # CONFIG RESETSTAT starts them again.
        c.call("CONFIG", "RESETSTAT")
        self.assertNotIn("cmdstat_set", info(c, "commandstats"))
        self.assertNotIn("errorstat_WRONGTYPE", info(c, "errorstats"))

    def test_slowlog_entries(self):
        c = self.conn()
        c.call("CLIENT", "SETNAME", "slowpoke")
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        try:
            c.call("SLOWLOG", "RESET")
            c.call("SET", "sl:key", "v" * 200)
            c.call("GET", "sl:key")
            c.call("SET", "sl:many", *["a"] * 40)  # fails (syntax) but is logged too
            entries = c.call("SLOWLOG", "GET", "-1")
            # Newest first: SET sl:many, GET, SET sl:key (SLOWLOG RESET itself is logged first).
            self.assertEqual([e[3][0] for e in entries[:3]], [b"SET", b"GET", b"SET"])
            get = next(e for e in entries if e[3][0] == b"GET")
            self.assertEqual(len(get), 6)
            self.assertIsInstance(get[0], int)
            self.assertLessEqual(abs(get[1] - time.time()), 5)
            self.assertEqual(get[3], [b"GET", b"sl:key"])
            self.assertTrue(get[4].startswith(b"127.0.0.1:"))
            self.assertEqual(get[5], b"slowpoke")
            setk = next(e for e in entries if e[3][:2] == [b"SET", b"sl:key"])
            self.assertEqual(setk[3][2], b"v" * 128 + b"... (72 more bytes)")
            many = next(e for e in entries if e[3][:2] == [b"SET", b"sl:many"])
            self.assertEqual(len(many[3]), 32)
            self.assertEqual(many[3][31], b"... (11 more arguments)")
            ids = [e[0] for e in entries]
            self.assertEqual(ids, sorted(ids, reverse=True))
            self.assertEqual(c.call("SLOWLOG", "LEN"), len(entries) + 1)  # + the SLOWLOG GET itself
            self.assertEqual(len(c.call("SLOWLOG", "GET", "1")), 1)
            # slowlog-stages: a 7th element with the stages of the request.
            c.call("CONFIG", "SET", "slowlog-stages", "yes")
            c.call("SET", "sl:staged", "1")
            staged = next(e for e in c.call("SLOWLOG", "GET", "5") if e[3][:2] == [b"SET", b"sl:staged"])
            self.assertEqual(len(staged), 7)
            names = staged[6][0::2]
            self.assertEqual(names, [b"propose", b"replicate_apply"])
            c.call("CONFIG", "SET", "slowlog-stages", "no")
            # slowlog-max-len trims; RESET empties.
            c.call("CONFIG", "SET", "slowlog-max-len", "2")
            self.assertLessEqual(c.call("SLOWLOG", "LEN"), 2)
            self.assertEqual(c.call("SLOWLOG", "RESET"), b"OK")
            c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
            before = c.call("SLOWLOG", "LEN")  # the RESET itself was logged, as Redis
            c.call("SET", "sl:off", "1")
            self.assertEqual(c.call("SLOWLOG", "LEN"), before)
        finally:
            c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            c.call("CONFIG", "SET", "slowlog-max-len", "128")
            c.call("CONFIG", "SET", "slowlog-stages", "no")

    def test_slowlog_shows_the_command_sent_not_its_log_form(self):
        # EVAL, EVALSHA, FCALL, XGROUP and a pipelined read behind a write travel as internal log
        # forms (redraft.eval, redraft.xgroup, redraft.read); SLOWLOG shows what the client sent,
        # as Redis does.
        c = self.conn()
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        try:
            script = "return redis.call('set', KEYS[1], ARGV[1])"
            sha = c.call("SCRIPT", "LOAD", script)
            c.call("SLOWLOG", "RESET")
            c.call("EVAL", script, "1", "sl:ev", "x")
            c.call("evalsha", sha, "1", "sl:ev", "y")
            c.call("XGROUP", "CREATE", "sl:st", "g", "$", "MKSTREAM")
            c.call("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "sl:ev")
            c.call("XREAD", "BLOCK", "10", "STREAMS", "sl:st", "0-0")
            pipe = redis.Redis(port=self.server.port).pipeline(transaction=False)
            pipe.set("sl:pw", "1")
            pipe.get("sl:pw")
            pipe.execute()
            argvs = [e[3] for e in c.call("SLOWLOG", "GET", "-1")]
            self.assertIn([b"EVAL", script.encode(), b"1", b"sl:ev", b"x"], argvs)
            self.assertIn([b"evalsha", sha, b"1", b"sl:ev", b"y"], argvs)
            self.assertIn([b"XGROUP", b"CREATE", b"sl:st", b"g", b"$", b"MKSTREAM"], argvs)
            self.assertIn([b"GET", b"sl:pw"], argvs)
            self.assertIn([b"EVAL_RO", b"return redis.call('get', KEYS[1])", b"1", b"sl:ev"], argvs)
            self.assertIn([b"XREAD", b"BLOCK", b"10", b"STREAMS", b"sl:st", b"0-0"], argvs)
            self.assertFalse([a for a in argvs if a[0].lower().startswith(b"redraft.")], argvs)
        finally:
            c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")

    def test_slowlog_pipelined_writes_keep_their_own_arguments(self):
        # A write's SLOWLOG arguments are kept from dispatch to reply in one buffer per connection
        # (observability/slow_args.h): each entry must show its own request as sent (SET ... EX,
        # which prepare rewrites into its log form, included), across pipelines that keep writes
        # in flight, a write refused in the middle of them and a buffer compacted under them.
        c = self.conn()
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.call("CONFIG", "SET", "slowlog-max-len", "1000")
        try:
            c.call("SLOWLOG", "RESET")
            sent = []
            for batch in range(3):
                reqs = []
                for i in range(150):
                    n = batch * 150 + i
                    if n == 200:
                        args = ["SET", "pw:bad", "v", "EX", "notanumber"]  # refused by prepare
                    elif n % 7 == 0:
                        args = ["SET", f"pw:{n}", f"{n:0>150}", "EX", "100"]
                    else:
                        args = ["SET", f"pw:{n}", f"{n:0>150}"]
                    reqs.append(args)
                c.send(b"".join(encode(*a) for a in reqs))
                for _ in reqs:
                    c.reply()
                sent += reqs
            entries = [e for e in c.call("SLOWLOG", "GET", "-1") if e[3][0] == b"SET"]
            self.assertEqual(len(entries), len(sent))
            # (The refused write is logged at once, the others when applied: compared by key.)
            got = {e[3][1]: e[3] for e in entries}
            for args in sent:
                want = [a.encode() for a in args]
                if len(want[2]) > 128:
                    want[2] = want[2][:128] + b"... (22 more bytes)"
                self.assertEqual(got.get(want[1]), want)
        finally:
            c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            c.call("CONFIG", "SET", "slowlog-max-len", "128")
            c.call("SLOWLOG", "RESET")

    def test_pipelined_stats_see_the_reads_before_them(self):
        # A read is counted with the other reads answered in its loop iteration (one clock
        # reading for all); a command pipelined behind it must still see it counted, as in Redis.
        c = self.conn()
        c.call("CONFIG", "RESETSTAT")
        c.send(encode("GET", "ps:k") + encode("GET", "ps:k") + encode("INFO", "commandstats"))
        c.reply()
        c.reply()
        stats = c.reply().decode()
        self.assertIn("cmdstat_get:calls=2,", stats)

    def test_slowlog_charges_the_slow_command_not_its_pipeline_neighbours(self):
        # Stage and call times share one clock reading per batch (docs/observability.md "Stage
        # times"), but a command's start is where the previous command of its batch ended: the
        # commands pipelined behind a slow read are not charged for it.
        c = self.conn()
        args = []
        for i in range(60000):
            args += [f"nb:{i}", "v"]
        self.assertEqual(c.call("MSET", *args), b"OK")
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        try:
            c.call("SLOWLOG", "RESET")
            c.send(encode("KEYS", "nb:*") + encode("PING") + encode("ECHO", "after") + encode("GET", "nb:1"))
            for _ in range(4):
                c.reply()
            entries = c.call("SLOWLOG", "GET", "-1")
            took = {e[3][0]: e[2] for e in entries}
            self.assertGreater(took[b"KEYS"], 0)
            for name in (b"PING", b"ECHO", b"GET"):
                self.assertLess(took[name], took[b"KEYS"] / 2, took)
        finally:
            c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            c.call("FLUSHALL")

    def test_latency_events_and_histogram(self):
        c = self.conn()
        c.call("LATENCY", "RESET")
        self.assertEqual(c.call("CONFIG", "GET", "latency-monitor-threshold"), [b"latency-monitor-threshold", b"0"])
        c.call("CONFIG", "SET", "latency-monitor-threshold", "1")
        try:
            # A script that runs a while: a slow write (command) and a slow apply.
            c.call("EVAL", "local x = 0 for i = 1, 3000000 do x = x + i end redis.call('set', KEYS[1], x) return 1",
                   "1", "lat:key")
            latest = {e[0]: e for e in c.call("LATENCY", "LATEST")}
            self.assertIn(b"command", latest)
            self.assertIn(b"apply", latest)
            name, when, last_ms, max_ms = latest[b"command"]
            self.assertGreaterEqual(last_ms, 1)
            self.assertGreaterEqual(max_ms, last_ms)
            self.assertLessEqual(abs(when - time.time()), 5)
            history = c.call("LATENCY", "HISTORY", "command")
            self.assertGreaterEqual(len(history), 1)
            self.assertEqual(len(history[0]), 2)
            doctor = c.call("LATENCY", "DOCTOR")
            self.assertIn(b"command", doctor)
            self.assertIn(b"Dave", doctor)
            graph = c.call("LATENCY", "GRAPH", "command")
            self.assertIn(b"command - high", graph)
            self.assertGreaterEqual(c.call("LATENCY", "RESET", "command", "nosuch"), 1)
            self.assertNotIn(b"command", [e[0] for e in c.call("LATENCY", "LATEST")])
        finally:
            c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
        c.call("SET", "lat:h", "1")
        hist = c.call("LATENCY", "HISTOGRAM", "set", "nosuch")
        self.assertEqual(hist[0], b"set")
        body = hist[1]
        self.assertEqual(body[0], b"calls")
        self.assertGreaterEqual(body[1], 1)
        self.assertEqual(body[2], b"histogram_usec")
        buckets = body[3]
        counts = buckets[1::2]
        self.assertEqual(counts, sorted(counts))
        self.assertEqual(counts[-1], body[1])

    def test_monitor_lines(self):
        mon = self.conn()
        self.assertEqual(mon.call("MONITOR"), b"OK")
        self.assertIn(b" flags=O ", mon.call("CLIENT", "INFO"))
        c = self.conn()
        c.call("SELECT", "3")
        c.call("SET", "a b", 'x"y\n\x01')
        c.call("CONFIG", "GET", "port")  # administrative: not shown
        c.call("AUTH", "nosuchuser", "secret")  # credentials redacted
        c.call("GET", "a b")
        mon.sock.settimeout(5)
        lines = []
        while len(lines) < 5:
            mon._fill()
            lines = [l for l in mon.buf.split(b"\r\n") if l]
        pattern = rb'^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)$'
        parsed = [re.match(pattern, l) for l in lines[:5]]
        self.assertTrue(all(parsed), lines)
        # The monitor's own CLIENT INFO comes first, after its reply (as Redis).
        self.assertEqual(parsed[0].group(2), b'"CLIENT" "INFO"')
        self.assertEqual(parsed[1].group(2), b'"SELECT" "3"')
        self.assertEqual(parsed[2].group(1), b"3")
        self.assertEqual(parsed[2].group(2), b'"SET" "a b" "x\\"y\\n\\x01"')
        self.assertEqual(parsed[3].group(2), b'"AUTH" "(redacted)" "(redacted)"')
        self.assertEqual(parsed[4].group(2), b'"GET" "a b"')


class JsonLogTest(unittest.TestCase):
    """log-format json: every line of the node's log is one JSON object with the agreed fields;
    the role change and a slow request are one line each."""

    def test_json_lines(self):
        import json
        server = Server(args=["--log-format", "json", "--slowlog-log-slower-than", "0"]).start()
        try:
            c = Conn(server.port)
            c.call("SET", "json:key", "1")
            c.close()
            deadline = time.time() + 10
            while time.time() < deadline and "slow request" not in server.log():
                time.sleep(0.1)
        finally:
            server.stop()
        lines = [l for l in server.log().splitlines() if l.strip()]
        server.cleanup()
        records = [json.loads(l) for l in lines]  # every line parses
        for r in records:
            self.assertEqual(set(r), {"time", "level", "node", "term", "role", "component", "msg"}, r)
            self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        roles = [r for r in records if r["component"] == "raft" and r["msg"].startswith("raft: role leader")]
        self.assertTrue(roles, lines)
        self.assertEqual(len(roles[0]["node"]), 40)
        self.assertGreaterEqual(roles[0]["term"], 1)
        slow = [r for r in records if r["component"] == "slowlog" and "SET json:key" in r["msg"]]
        self.assertEqual(len(slow), 1, lines)
        self.assertEqual(slow[0]["role"], "leader")
        self.assertIn("propose=", slow[0]["msg"])


if __name__ == "__main__":
    unittest.main()
