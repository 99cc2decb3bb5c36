"""The HTTP port (src/http/): REST API over a real 3-node cluster, auth/ACL through the client
path, and bad input (malformed requests, limits, traversal, slow clients) with the Redis port
unaffected. Driven by curl (the README's examples) and raw sockets."""
import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster, ClusterTestCase  # noqa: E402
from harness import SECRET_ARGS, Server, _port_free, free_port  # noqa: E402


def with_http(cluster, same_offset=False):
    """Gives every node of a Cluster its own HTTP port (before start). same_offset: every node's
    HTTP port is its client port plus one offset (as tools/cluster does: the console then finds
    its peers' HTTP ports)."""
    cluster.http = {}
    offsets = [1000] + [random.randint(-15000, 15000) for _ in range(200)] if same_offset else [None]
    for off in offsets:
        if off is None:
            ports = {i: free_port() for i in cluster.nodes}
        else:
            ports = {i: cluster.ports[i] + off for i in cluster.nodes}
            if not all(1024 < p < 65536 and _port_free(p) for p in ports.values()):
                continue
        break
    for i, node in cluster.nodes.items():
        cluster.http[i] = ports[i]
        node.args += ["--http-port", str(ports[i])]
    return cluster


def curl(port, path, *args, data_file=None, out_file=None):
    """curl -s against 127.0.0.1:port; returns (status, headers dict, body bytes)."""
    hdr = tempfile.NamedTemporaryFile(delete=False)
    hdr.close()
    cmd = ["curl", "-s", "-S", "--max-time", "30", "-D", hdr.name, f"http://127.0.0.1:{port}{path}"] + list(args)
    if data_file:
        cmd += ["--data-binary", "@" + data_file]
    if out_file:
        cmd += ["-o", out_file]
    body = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, timeout=60).stdout
    with open(hdr.name, "rb") as f:
        raw = f.read().decode("latin-1")
    os.unlink(hdr.name)
    blocks = [b for b in raw.split("\r\n\r\n") if b.startswith("HTTP/")]
    last = blocks[-1].split("\r\n")  # after any 100 Continue
    status = int(last[0].split()[1])
    headers = {}
    for line in last[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers, body


def raw(port, data, wait=1.0):
    """Sends raw bytes and returns what the server answers until it closes or `wait` passes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


class ClusterRestTest(ClusterTestCase):
    @classmethod
    def make_cluster(cls):
        return with_http(Cluster(3))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="redraft-http-")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def follower(self):
        lead = self.c.wait_leader()
        return next(i for i in self.c.alive() if i != lead)

    def test_file_roundtrip_through_follower(self):
        # A multi-MB binary (a PDF's kind of bytes), uploaded through a follower: forwarded to the
        # leader, replicated, then read back byte-identical from every node with its Content-Type.
        src = os.path.join(self.tmp, "file.pdf")
        with open(src, "wb") as f:
            f.write(b"%PDF-1.7\n" + os.urandom(5 * 1024 * 1024) + b"\x00\r\n%%EOF\n")
        f_node = self.follower()
        st, h, body = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf", "-X", "PUT",
                           "-H", "Content-Type: application/pdf", data_file=src)
        self.assertEqual(st, 201, body)
        meta = json.loads(body)
        self.assertEqual(meta["bytes"], os.path.getsize(src))
        self.assertEqual(meta["content_type"], "application/pdf")
        for i in self.c.alive():
            out = os.path.join(self.tmp, f"out{i}.pdf")
            st, h, _ = curl(self.c.http[i], "/v1/keys/docs%2Freport.pdf", out_file=out)
            self.assertEqual(st, 200)
            self.assertEqual(h["content-type"], "application/pdf")
            self.assertEqual(h["etag"], meta["etag"])
            with open(src, "rb") as a, open(out, "rb") as b:
                self.assertEqual(hashlib.sha256(a.read()).hexdigest(), hashlib.sha256(b.read()).hexdigest())
        # The same bytes through the Redis port (the value is the raw string).
        with open(src, "rb") as a:
            self.assertEqual(self.c.client(f_node).get("docs/report.pdf"), a.read())
        # Conditional GET and PUT (ETag / If-None-Match / If-Match).
        st, _, _ = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf", "-H", "If-None-Match: " + meta["etag"])
        self.assertEqual(st, 304)
        st, _, body = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf", "-X", "PUT", "-H", 'If-Match: "0-0"',
                           "--data-binary", "x")
        self.assertEqual(st, 412, body)
        st, h, _ = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf", "-X", "PUT", "-H", "If-Match: " + meta["etag"],
                        "-H", "Content-Type: text/plain", "--data-binary", "v2")
        self.assertEqual(st, 200)
        st, h, body = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf")
        self.assertEqual((body, h["content-type"]), (b"v2", "text/plain"))
        # Rewritten through the Redis port: the companion's type no longer applies to the value.
        self.c.client(f_node).set("docs/report.pdf", "v3")
        st, h, body = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf")
        self.assertEqual((body, h["content-type"]), (b"v3", "application/octet-stream"))
        st, _, _ = curl(self.c.http[f_node], "/v1/keys/new1", "-X", "PUT", "-H", "If-None-Match: *", "--data-binary", "a")
        self.assertEqual(st, 201)
        st, _, _ = curl(self.c.http[f_node], "/v1/keys/new1", "-X", "PUT", "-H", "If-None-Match: *", "--data-binary", "b")
        self.assertEqual(st, 412)
        # Delete removes the value and its content-type companion; a second delete is 404.
        st, _, _ = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf", "-X", "DELETE")
        self.assertEqual(st, 200)
        st, _, body = curl(self.c.http[f_node], "/v1/keys/docs%2Freport.pdf", "-X", "DELETE")
        self.assertEqual(st, 404)
        self.assertEqual(json.loads(body)["error"]["status"], 404)
        lead = self.c.wait_leader()
        self.assertEqual(self.c.client(lead).keys("redraft:http:meta:docs/*"), [])

    def test_ttl_listing_types_and_command(self):
        p = self.c.http[self.c.wait_leader()]
        st, _, body = curl(p, "/v1/keys/ttlkey?ttl=100", "-X", "PUT", "--data-binary", "v")
        self.assertEqual(st, 201, body)
        st, _, body = curl(p, "/v1/keys/ttlkey?ttl=abc", "-X", "PUT", "--data-binary", "v")
        self.assertEqual(st, 400)
        st, _, body = curl(p, "/v1/command", "-X", "POST", "--data-binary", '["RPUSH","lst","a","b","c"]')
        self.assertEqual(json.loads(body), {"reply": 3})
        st, _, body = curl(p, "/v1/command", "-X", "POST", "--data-binary", '["HSET","hh","f","v"]')
        self.assertEqual(st, 200)
        st, _, body = curl(p, "/v1/keys?match=*&count=1000")
        keys = {k["key"]: k for k in json.loads(body)["keys"]}
        self.assertEqual(keys["lst"]["type"], "list")
        self.assertEqual(keys["hh"]["type"], "hash")
        self.assertTrue(0 < keys["ttlkey"]["ttl_ms"] <= 100000)
        self.assertFalse(any(k.startswith("redraft:http:meta:") for k in keys))
        st, _, body = curl(p, "/v1/keys?match=*&type=list")
        self.assertEqual([k["key"] for k in json.loads(body)["keys"]], ["lst"])
        st, _, body = curl(p, "/v1/keys/lst")
        self.assertEqual(json.loads(body)["value"], ["a", "b", "c"])
        st, _, body = curl(p, "/v1/keys/hh")
        self.assertEqual(json.loads(body)["value"], {"f": "v"})
        st, _, body = curl(p, "/v1/keys/ttlkey/ttl?ttl=0", "-X", "PUT")
        self.assertEqual(st, 200, body)
        self.assertEqual(self.c.client(self.c.wait_leader()).ttl("ttlkey"), -1)
        st, _, body = curl(p, "/v1/keys/nope/ttl?ttl=5", "-X", "PUT")
        self.assertEqual(st, 404)
        st, _, body = curl(p, "/v1/command", "-X", "POST", "--data-binary", '["INCR","hh"]')
        self.assertEqual(st, 409)  # WRONGTYPE
        st, _, body = curl(p, "/v1/command", "-X", "POST", "--data-binary", '["MULTI"]')
        self.assertEqual(st, 400)
        st, _, body = curl(p, "/v1/command", "-X", "POST", "--data-binary", "not json")
        self.assertEqual(st, 400)

    def test_cluster_view_and_membership_routes(self):
        lead = self.c.wait_leader()
        st, _, body = curl(self.c.http[lead], "/v1/cluster")
        j = json.loads(body)
        self.assertEqual(len(j["nodes"]), 3)
        self.assertEqual([n["role"] for n in j["nodes"]].count("leader"), 1)
        self.assertEqual(j["node"]["role"], "leader")
        self.assertEqual(j["leader"], j["node"]["id"])
        self.assertTrue(all("lag" in n for n in j["nodes"]))
        st, _, body = curl(self.c.http[self.follower()], "/v1/nodes")
        self.assertEqual(len(json.loads(body)["nodes"]), 3)
        st, _, body = curl(self.c.http[lead], "/v1/nodes/" + "f" * 40, "-X", "DELETE")
        self.assertIn(st, (404, 409), body)
        st, _, body = curl(self.c.http[lead], "/v1/nodes", "-X", "POST", "--data-binary", "{}")
        self.assertEqual(st, 400)
        # Leadership transfer to a follower.
        target = self.follower()
        tid = self.c.node_id(target)
        st, _, body = curl(self.c.http[lead], "/v1/cluster/leader", "-X", "POST", "--data-binary",
                           json.dumps({"node_id": tid}))
        self.assertEqual(st, 200, body)
        deadline = time.time() + 15
        while time.time() < deadline and self.c.leader() != target:
            time.sleep(0.1)
        self.assertEqual(self.c.leader(), target)
        # The node's leader change history (the console's), newest first: the transfer is in it.
        deadline = time.time() + 10
        while time.time() < deadline:
            hist = json.loads(curl(self.c.http[lead], "/v1/cluster")[2])["leader_history"]
            if hist and hist[0]["leader"] == tid:
                break
            time.sleep(0.1)
        self.assertEqual(hist[0]["leader"], tid, hist)
        self.assertTrue(any(h["leader"] == j["leader"] for h in hist[1:]), hist)
        self.assertGreater(hist[0]["term"], hist[-1]["term"])
        self.assertGreaterEqual(hist[0]["at_ms"], hist[-1]["at_ms"])

    def test_zz_add_and_remove_node(self):  # last: it changes the membership
        fresh = Server(args=["--cluster-join", "yes"] + SECRET_ARGS).start()
        try:
            lead = self.c.wait_leader()
            st, _, body = curl(self.c.http[lead], "/v1/nodes", "-X", "POST", "--data-binary",
                               json.dumps({"host": "127.0.0.1", "port": fresh.port}))
            self.assertEqual(st, 200, body)
            fresh_id = redis.Redis(port=fresh.port).execute_command("CLUSTER", "MYID").decode()

            def voters():
                j = json.loads(curl(self.c.http[self.c.wait_leader()], "/v1/cluster")[2])
                return j["node"]["voters"], [n["id"] for n in j["nodes"]]
            deadline = time.time() + 30
            while time.time() < deadline and voters()[0] != 4:
                time.sleep(0.2)
            self.assertEqual(voters()[0], 4)
            self.assertIn(fresh_id, voters()[1])
            st, _, body = curl(self.c.http[self.c.wait_leader()], "/v1/nodes/" + fresh_id, "-X", "DELETE")
            self.assertEqual(st, 200, body)
            deadline = time.time() + 15
            while time.time() < deadline and voters()[0] != 3:
                time.sleep(0.2)
            self.assertEqual(voters(), (3, voters()[1]))
            self.assertNotIn(fresh_id, voters()[1])
        finally:
            fresh.stop()
            fresh.cleanup()

    def test_bad_input_and_limits(self):
        p = self.c.http[1]
        self.assertTrue(raw(p, b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400 "))
        self.assertTrue(raw(p, b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400 "))
        self.assertTrue(raw(p, b"GET /console/%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400 "))
        big = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 40000 + b"\r\n\r\n"
        self.assertTrue(raw(p, big).startswith(b"HTTP/1.1 431 "))
        # Far more than is read before the 431: the rest is drained, not answered with a reset
        # that would destroy the 431 before the client reads it (the lingering close).
        huge = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 4_000_000 + b"\r\n\r\n"
        self.assertTrue(raw(p, huge, wait=5.0).startswith(b"HTTP/1.1 431 "))
        self.assertTrue(raw(p, b"PUT /v1/keys/k HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
                        .startswith(b"HTTP/1.1 413 "))
        # Cross-site request forgery: a write with a foreign Origin is refused; same origin passes.
        st, _, body = curl(p, "/v1/command", "-X", "POST", "-H", "Origin: http://evil.example",
                           "-H", "Content-Type: text/plain", "--data-binary", '["SET","csrf","1"]')
        self.assertEqual(st, 403, body)
        self.assertIsNone(self.c.client(self.c.wait_leader()).get("csrf"))
        st, _, body = curl(p, "/v1/command", "-X", "POST", "-H", f"Origin: http://127.0.0.1:{p}",
                           "--data-binary", '["SET","csrf","1"]')
        self.assertEqual(st, 200, body)
        self.assertEqual(curl(p, "/nope")[0], 404)
        self.assertEqual(curl(p, "/v1/cluster", "-X", "DELETE")[0], 405)
        # Keep-alive and pipelining: two requests on one connection, two answers in order.
        out = raw(p, b"GET /v1/nodes HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(out.count(b"HTTP/1.1 "), 2)
        self.assertLess(out.index(b"200 OK"), out.index(b"404 Not Found"))
        # Slow clients: many connections sending half a request hold nothing for long, and the
        # Redis port keeps answering meanwhile.
        slow = [socket.create_connection(("127.0.0.1", p)) for _ in range(50)]
        for s in slow:
            s.sendall(b"GET /v1/cluster HTTP/1.1\r\nHost")
        self.assertTrue(self.c.client(1).ping())
        self.assertEqual(curl(p, "/v1/nodes")[0], 200)
        for s in slow:
            s.close()
        # One that never finishes its request head is answered 408 and closed (header timeout, 10 s).
        t0 = time.time()
        out = raw(p, b"GET /v1/cluster HTTP/1.1\r\nHo", wait=15)
        self.assertTrue(out.startswith(b"HTTP/1.1 408 "), out)
        self.assertLess(time.time() - t0, 14)


class AuthTest(unittest.TestCase):
    def test_requirepass_and_acl_users(self):
        http = free_port()
        s = Server(args=["--requirepass", "s3cret", "--http-port", str(http), "--http-max-body", "1mb"]).start()
        try:
            st, h, _ = curl(http, "/v1/keys")
            self.assertEqual(st, 401)
            self.assertIn("Basic", h["www-authenticate"])
            self.assertEqual(curl(http, "/v1/keys", "-u", "default:wrong")[0], 401)
            self.assertEqual(curl(http, "/v1/keys", "-u", "default:s3cret")[0], 200)
            self.assertEqual(curl(http, "/", "-u", "default:s3cret")[0], 200)
            r = redis.Redis(port=s.port, password="s3cret")
            r.execute_command("ACL", "SETUSER", "reader", "on", ">pw", "~pub:*", "+@read")
            r.set("pub:a", "x")
            st, _, body = curl(http, "/v1/keys/pub:a", "-u", "reader:pw")
            self.assertEqual((st, body), (200, b"x"))
            st, _, body = curl(http, "/v1/keys/pub:b", "-u", "reader:pw", "-X", "PUT", "--data-binary", "y")
            self.assertEqual(st, 403, body)
            self.assertEqual(curl(http, "/v1/keys/secret", "-u", "reader:pw")[0], 403)
            # http-max-body
            big = os.path.join(s.dir, "big.bin")
            with open(big, "wb") as f:
                f.write(b"z" * (1024 * 1024 + 1))
            self.assertEqual(curl(http, "/v1/keys/big", "-u", "default:s3cret", "-X", "PUT", data_file=big)[0], 413)
            # Bodies in flight across connections are capped (4 x http-max-body): five clients
            # announcing 1,000,000-byte bodies and sending nothing: the fifth gets 503 at once.
            held = []
            for _ in range(4):
                h = socket.create_connection(("127.0.0.1", http))
                h.sendall(b"PUT /v1/keys/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
                held.append(h)
            time.sleep(0.3)
            out = raw(http, b"PUT /v1/keys/y HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
            self.assertTrue(out.startswith(b"HTTP/1.1 503 "), out)
            self.assertIn(b"Retry-After: 1", out)
            for h in held:
                h.close()
            time.sleep(0.3)
            self.assertEqual(curl(http, "/v1/keys/z", "-u", "default:s3cret", "-X", "PUT", "--data-binary", "ok")[0], 201)
        finally:
            s.stop()
            s.cleanup()


class SessionLifetimeTest(unittest.TestCase):
    def test_client_kill_and_shutdown_with_requests_in_flight(self):
        http = free_port()
        s = Server(args=["--http-port", str(http)]).start()
        try:
            conn = socket.create_connection(("127.0.0.1", http), timeout=10)
            conn.sendall(b"GET /v1/nodes HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(conn.recv(65536).startswith(b"HTTP/1.1 200 "))
            r = redis.Redis(port=s.port)
            ids = [c["id"] for c in r.client_list() if c["addr"].startswith("http:")]
            self.assertEqual(len(ids), 1)  # the connection's internal session, in CLIENT LIST
            r.client_kill_filter(_id=ids[0])
            # The same keep-alive connection goes on with a new session.
            conn.sendall(b"PUT /v1/keys/after HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
            self.assertTrue(conn.recv(65536).startswith(b"HTTP/1.1 201 "))
            self.assertEqual(r.get("after"), b"ok")
            # Requests in flight at SHUTDOWN: each gets an answer (or the close), the server exits cleanly.
            socks = []
            for i in range(10):
                t = socket.create_connection(("127.0.0.1", http), timeout=10)
                t.sendall(b"PUT /v1/keys/k%d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" % i)
                socks.append(t)
            try:
                r.shutdown()
            except redis.ConnectionError:
                pass
            self.assertEqual(s.proc.wait(timeout=20), 0)
            for t in socks:
                try:
                    head = t.recv(100)
                except OSError:
                    head = b""
                self.assertTrue(head == b"" or head.split(b" ")[1] in (b"201", b"503", b"504"), head)
            self.assertNotIn("AddressSanitizer", s.log())
        finally:
            s.stop()
            s.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
