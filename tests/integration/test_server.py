"""The single-node server end to end with real clients: redis-py, raw sockets, redis-cli."""
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import RawConn, Server, encode  # noqa: E402


class ServerTest(unittest.TestCase):
    def setUp(self):
        self.srv = Server().start()
        self.r = redis.Redis(port=self.srv.port, socket_timeout=10)

    def tearDown(self):
        self.r.close()
        self.srv.cleanup()

    def test_set_get_binary_safe(self):
        for v in [b"", b"\x00\r\n\xff", os.urandom(1 << 20)]:
            self.assertTrue(self.r.set(b"k\x00\r\n", v))
            self.assertEqual(self.r.get(b"k\x00\r\n"), v)

    def test_pipeline_replies_in_order_and_reads_see_earlier_writes(self):
        p = self.r.pipeline(transaction=False)
        for i in range(500):
            p.set("k", i)
            p.get("k")
            p.incr("n")
        out = p.execute()
        for i in range(500):
            self.assertEqual(out[3 * i], True)
            self.assertEqual(out[3 * i + 1], str(i).encode())
            self.assertEqual(out[3 * i + 2], i + 1)

    def test_pipelined_read_does_not_see_a_later_write(self):
        self.r.set("k", "start")
        p = self.r.pipeline(transaction=False)
        for i in range(300):
            p.get("k")
            p.set("k", i)
            p.get("k")
        out = p.execute()
        prev = b"start"
        for i in range(300):
            self.assertEqual(out[3 * i], prev)
            self.assertEqual(out[3 * i + 2], str(i).encode())
            prev = str(i).encode()

    def test_syntax_error_reply_stays_in_order_behind_pending_writes(self):
        c = RawConn(self.srv.port)
        c.send(encode("SET", "a", "1") + encode("SET", "a", "1", "EX", "0") + encode("GET", "a"))
        self.assertEqual(c.reply(), b"+OK\r\n")
        self.assertEqual(c.reply(), b"-ERR invalid expire time in 'set' command\r\n")
        self.assertEqual(c.reply(), b"$1\r\n1\r\n")

    def test_inline_commands(self):
        c = RawConn(self.srv.port)
        c.send(b"SET greeting \"hello world\"\r\nGET greeting\r\n")
        self.assertEqual(c.reply(), b"+OK\r\n")
        self.assertEqual(c.reply(), b"$11\r\nhello world\r\n")

    def test_lazy_and_active_expiry(self):
        self.r.set("short", "v", px=150)
        self.r.set("long", "v", ex=100)
        time.sleep(0.3)
        self.assertIsNone(self.r.get("short"))
        deadline = time.time() + 5
        while self.r.dbsize() != 1 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.r.dbsize(), 1, "active expiry should delete the expired key")
        self.assertEqual(self.r.get("long"), b"v")

    def test_clean_shutdown_keeps_everything_acknowledged(self):
        p = self.r.pipeline(transaction=False)
        for i in range(2000):
            p.set(f"key:{i}", f"value:{i}", ex=1000 if i % 2 else None)
        p.execute()
        self.srv.signal(signal.SIGTERM)
        self.assertEqual(self.srv.proc.wait(timeout=20), 0)
        self.srv.start()
        r = redis.Redis(port=self.srv.port, socket_timeout=10)
        self.assertEqual(r.dbsize(), 2000)
        for i in (0, 1, 999, 1999):
            self.assertEqual(r.get(f"key:{i}"), f"value:{i}".encode())
            ttl = r.ttl(f"key:{i}")
            self.assertTrue(990 < ttl <= 1000 if i % 2 else ttl == -1, (i, ttl))

    def test_shutdown_command(self):
        self.r.set("x", "1")
        c = RawConn(self.srv.port)
        c.send(encode("SHUTDOWN"))
        self.assertTrue(c.closed_by_peer())
        self.assertEqual(self.srv.proc.wait(timeout=20), 0)
        self.srv.start()
        self.assertEqual(redis.Redis(port=self.srv.port).get("x"), b"1")

    def test_thousands_of_connections(self):
        conns = [socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) for _ in range(2000)]
        for s in conns:
            s.sendall(b"PING\r\n")
        for s in conns:
            self.assertEqual(s.recv(16), b"+PONG\r\n")
        self.assertGreaterEqual(int(self.r.info("clients")["connected_clients"]), 2000)
        for s in conns:
            s.close()

    def test_protocol_error_closes_only_that_client(self):
        bad = RawConn(self.srv.port)
        good = RawConn(self.srv.port)
        bad.send(b"*1\r\n$abc\r\n")
        self.assertEqual(bad.reply(), b"-ERR Protocol error: invalid bulk length\r\n")
        self.assertTrue(bad.closed_by_peer())
        self.assertEqual(good.call("PING"), b"+PONG\r\n")

    def test_bulk_over_proto_max_bulk_len(self):
        c = RawConn(self.srv.port)
        c.send(b"*2\r\n$3\r\nGET\r\n$%d\r\n" % (600 * 1024 * 1024))
        self.assertEqual(c.reply(), b"-ERR Protocol error: invalid bulk length\r\n")
        self.assertTrue(c.closed_by_peer())

    def test_unknown_command_and_wrong_arity(self):
        c = RawConn(self.srv.port)
        self.assertEqual(c.call("FOO", "a", "b"),
                         b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n")
        self.assertEqual(c.call("GET"), b"-ERR wrong number of arguments for 'get' command\r\n")
        self.assertEqual(c.call("PING"), b"+PONG\r\n")

    def test_wrongtype_and_not_integer(self):
        self.r.set("s", "abc")
        with self.assertRaisesRegex(redis.ResponseError, "not an integer"):
            self.r.incr("s")
        self.r.set("n", str(2**63 - 1))
        with self.assertRaisesRegex(redis.ResponseError, "overflow"):
            self.r.incr("n")

    def test_resp3_after_hello(self):
        c = RawConn(self.srv.port)
        hello = c.call("HELLO", "3")
        self.assertTrue(hello.startswith(b"%7\r\n"), hello)
        self.assertEqual(c.call("GET", "missing"), b"_\r\n")
        c.call("SET", "k", "v")
        self.assertEqual(c.call("SET", "k", "w", "GET"), b"$1\r\nv\r\n")
        self.assertTrue(c.call("CONFIG", "GET", "port").startswith(b"%1\r\n"))

    def test_client_commands(self):
        c = RawConn(self.srv.port)
        self.assertEqual(c.call("CLIENT", "SETNAME", "worker-1"), b"+OK\r\n")
        self.assertEqual(c.call("CLIENT", "GETNAME"), b"$8\r\nworker-1\r\n")
        cid = int(c.call("CLIENT", "ID")[1:-2])
        listing = self.r.client_list()
        self.assertIn("worker-1", [x["name"] for x in listing])
        self.assertEqual(self.r.client_kill_filter(_id=cid), 1)
        self.assertTrue(c.closed_by_peer())
        self.assertEqual(c.buf, b"")

    def test_config_get_set(self):
        self.assertEqual(self.r.config_get("port"), {"port": str(self.srv.port)})
        self.assertTrue(self.r.config_set("timeout", 30))
        self.assertEqual(self.r.config_get("timeout"), {"timeout": "30"})
        with self.assertRaises(redis.ResponseError):
            self.r.config_set("port", 1)
        with self.assertRaisesRegex(redis.ResponseError, "Unknown option"):
            self.r.config_set("no-such-thing", 1)
        # Read only at startup: refused rather than answering OK and changing nothing.
        for name in ("log-compact-entries", "cluster-request-timeout"):
            with self.assertRaisesRegex(redis.ResponseError, "can't set immutable config"):
                self.r.config_set(name, 5000)

    def test_redis_cli_and_benchmark(self):
        out = subprocess.run(["redis-cli", "-p", str(self.srv.port), "SET", "cli", "works"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.stdout.strip(), "OK")
        out = subprocess.run(["redis-cli", "-p", str(self.srv.port), "GET", "cli"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.stdout.strip(), "works")
        out = subprocess.run(["redis-benchmark", "-p", str(self.srv.port), "-t", "set,get", "-n", "5000",
                              "-c", "20", "-P", "4", "-q", "-r", "1000"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("SET:", out.stdout)
        self.assertIn("GET:", out.stdout)


class LimitsTest(unittest.TestCase):
    def tearDown(self):
        self.srv.cleanup()

    def test_maxclients(self):
        self.srv = Server(args=["--maxclients", "3"]).start()
        keep = [RawConn(self.srv.port) for _ in range(3)]
        for k in keep:
            self.assertEqual(k.call("PING"), b"+PONG\r\n")
        extra = RawConn(self.srv.port)
        self.assertEqual(extra.reply(), b"-ERR max number of clients reached\r\n")
        self.assertTrue(extra.closed_by_peer())
        self.assertEqual(keep[0].call("PING"), b"+PONG\r\n")

    def test_maxclients_above_the_fd_limit_is_lowered_as_redis_does(self):
        """RLIMIT_NOFILE 100 (hard too, and no CAP_SYS_RESOURCE to raise it): maxclients 1000
        becomes 100 - 32 = 68 with Redis's warning, and the 69th client is told so."""
        import harness
        self.srv = Server(args=["--maxclients", "1000"])
        cmd = ["prlimit", "--nofile=100:100", "setpriv", "--bounding-set", "-sys_resource", harness.SERVER_BIN,
               "--port", str(self.srv.port), "--dir", self.srv.dir, "--bind", "127.0.0.1", "--maxclients", "1000"]
        with open(os.path.join(self.srv.dir, "server.log"), "ab") as log:
            self.srv.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        harness._live.append(self.srv.proc)
        harness.wait_ping(self.srv.port, proc=self.srv.proc)
        r = redis.Redis(port=self.srv.port, socket_timeout=10)
        self.assertEqual(r.config_get("maxclients"), {"maxclients": "68"})
        self.assertIn("maxclients has been reduced to 68 to compensate for low ulimit", self.srv.log())
        with self.assertRaisesRegex(redis.ResponseError, "not able to handle the specified number of clients, try with 68"):
            r.config_set("maxclients", 2000)
        keep = [RawConn(self.srv.port) for _ in range(67)]  # with r: 68 clients
        for k in keep:
            self.assertEqual(k.call("PING"), b"+PONG\r\n")
        extra = RawConn(self.srv.port)
        self.assertEqual(extra.reply(), b"-ERR max number of clients reached\r\n")
        self.assertTrue(r.ping())
        r.close()
        for k in keep:
            k.close()

    def test_maxclients_raises_the_soft_fd_limit(self):
        import harness
        self.srv = Server(args=["--maxclients", "1000"])
        cmd = ["prlimit", "--nofile=100:4096", "setpriv", "--bounding-set", "-sys_resource", harness.SERVER_BIN,
               "--port", str(self.srv.port), "--dir", self.srv.dir, "--bind", "127.0.0.1", "--maxclients", "1000"]
        with open(os.path.join(self.srv.dir, "server.log"), "ab") as log:
            self.srv.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        harness._live.append(self.srv.proc)
        harness.wait_ping(self.srv.port, proc=self.srv.proc)
        r = redis.Redis(port=self.srv.port, socket_timeout=10)
        self.assertEqual(r.config_get("maxclients"), {"maxclients": "1000"})
        with open(f"/proc/{self.srv.proc.pid}/limits") as f:
            self.assertRegex(f.read(), r"Max open files\s+1032\s+4096")
        r.close()

    def test_query_buffer_limit_closes_the_client(self):
        self.srv = Server(args=["--client-query-buffer-limit", "1mb"]).start()
        big = RawConn(self.srv.port)
        good = RawConn(self.srv.port)
        big.send(b"*2\r\n$3\r\nSET\r\n$100000000\r\n")
        try:
            for _ in range(8):
                big.send(b"x" * (256 * 1024))
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.assertTrue(big.closed_by_peer())
        self.assertEqual(good.call("PING"), b"+PONG\r\n")

    def test_requirepass(self):
        self.srv = Server(args=["--requirepass", "s3cret"]).start()
        c = RawConn(self.srv.port)
        self.assertEqual(c.call("GET", "k"), b"-NOAUTH Authentication required.\r\n")
        self.assertEqual(c.call("AUTH", "wrong"),
                         b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        self.assertEqual(c.call("AUTH", "s3cret"), b"+OK\r\n")
        self.assertEqual(c.call("GET", "k"), b"$-1\r\n")
        r = redis.Redis(port=self.srv.port, password="s3cret")
        self.assertTrue(r.ping())

    def test_idle_timeout(self):
        self.srv = Server(args=["--timeout", "1"]).start()
        c = RawConn(self.srv.port)
        self.assertEqual(c.call("PING"), b"+PONG\r\n")
        self.assertTrue(c.closed_by_peer(timeout=5))


if __name__ == "__main__":
    unittest.main(verbosity=2)
