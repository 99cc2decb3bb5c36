"""TLS on the client port (issue 10 item 1): redis-cli --tls and redis-py over TLS against a single
node (client certificates required, optional), the plain port alongside, certificates reloaded by
CONFIG SET without a restart, garbage and wrong certificates refused without disturbing anyone,
and TLS clients of a 3-node cluster's follower."""
import os
import socket
import subprocess
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import Server, free_port  # noqa: E402
from tls_certs import CertsTestCase, peer_cn  # noqa: E402


def tls_args(certs, port, auth="yes"):
    return ["--tls-port", str(port), "--tls-cert-file", certs["server.crt"], "--tls-key-file", certs["server.key"],
            "--tls-ca-cert-file", certs["ca.crt"], "--tls-auth-clients", auth]


class TlsTest(CertsTestCase):
    def client(self, port, cert=True, **kw):
        extra = {"ssl_certfile": self.certs["client.crt"], "ssl_keyfile": self.certs["client.key"]} if cert else {}
        return redis.Redis(port=port, ssl=True, ssl_ca_certs=self.certs["ca.crt"], socket_timeout=5, **extra, **kw)

    def test_single_node(self):
        port = free_port()
        srv = Server(args=tls_args(self.certs, port)).start()
        try:
            r = self.client(port)
            self.assertTrue(r.set("k", "v" * 100000))
            self.assertEqual(r.get("k"), b"v" * 100000)
            pipe = r.pipeline(transaction=False)
            for n in range(1000):
                pipe.incr("ctr")
            self.assertEqual(pipe.execute()[-1], 1000)
            # The plain port still serves, the same data.
            self.assertEqual(redis.Redis(port=srv.port).get("ctr"), b"1000")
            # redis-cli --tls.
            out = subprocess.run(["redis-cli", "--tls", "--cacert", self.certs["ca.crt"], "--cert", self.certs["client.crt"],
                                  "--key", self.certs["client.key"], "-p", str(port), "GET", "ctr"],
                                 capture_output=True, text=True, timeout=10)
            self.assertEqual(out.stdout.strip(), "1000", out.stderr)
            # tls-auth-clients yes: no certificate, or one from another CA, gets no session.
            with self.assertRaises(redis.ConnectionError):
                self.client(port, cert=False).ping()
            with self.assertRaises(redis.ConnectionError):
                redis.Redis(port=port, ssl=True, ssl_ca_certs=self.certs["ca.crt"], ssl_certfile=self.certs["stranger.crt"],
                            ssl_keyfile=self.certs["stranger.key"], socket_timeout=5).ping()
            # Garbage on the TLS port closes that connection only.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"PING\r\n" * 100)
                s.settimeout(5)
                try:
                    while s.recv(4096):
                        pass
                except OSError:
                    pass
            self.assertTrue(r.ping())
            # Certificates reloaded without a restart: new connections get the new one.
            self.assertEqual(peer_cn(port, self.certs), "server")
            admin = redis.Redis(port=srv.port)
            # A certificate and its key change together (one CONFIG SET, all or nothing, as Redis 7).
            with self.assertRaises(redis.ResponseError):
                admin.config_set("tls-cert-file", self.certs["server2.crt"])  # alone: not its key
            self.assertEqual(peer_cn(port, self.certs), "server")
            self.assertEqual(admin.execute_command("CONFIG", "SET", "tls-cert-file", self.certs["server2.crt"],
                                                   "tls-key-file", self.certs["server2.key"]), b"OK")
            self.assertEqual(peer_cn(port, self.certs), "server2")
            with self.assertRaises(redis.ResponseError):
                admin.config_set("tls-cert-file", "/nonexistent.crt")
            self.assertEqual(peer_cn(port, self.certs), "server2")
            self.assertTrue(r.ping())
        finally:
            srv.cleanup()

    def test_bad_input_is_refused_with_one_log_line_each(self):
        """Issue 10 item 7 on the client TLS port: a handshake that stalls is closed after 10 s,
        plaintext, garbage, an expired client certificate and another CA's are refused; each is one
        log line naming the client's address, and a session opened before keeps working."""
        d = self.certs["dir"]
        run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True, timeout=60)  # noqa: E731
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=expired", "-keyout", "expired.key",
            "-out", "expired.csr")
        run("faketime", "2020-01-01", "openssl", "x509", "-req", "-in", "expired.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-out", "expired.crt")
        port = free_port()
        srv = Server(args=tls_args(self.certs, port)).start()
        try:
            r = self.client(port)
            self.assertTrue(r.set("before", "1"))
            stalled = socket.create_connection(("127.0.0.1", port), timeout=15)
            started = time.time()
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"PING\r\n")
                self.assertEqual(s.recv(100), b"")  # closed at once
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"\x16\x03\x01\x00\x10" + os.urandom(200))
                try:
                    while s.recv(100):  # perhaps an alert; then the close (a timeout fails the test)
                        pass
                except ConnectionResetError:
                    pass
            with self.assertRaises(redis.ConnectionError):
                redis.Redis(port=port, ssl=True, ssl_ca_certs=self.certs["ca.crt"], ssl_certfile=os.path.join(d, "expired.crt"),
                            ssl_keyfile=os.path.join(d, "expired.key"), socket_timeout=5).ping()
            with self.assertRaises(redis.ConnectionError):
                redis.Redis(port=port, ssl=True, ssl_ca_certs=self.certs["ca.crt"], ssl_certfile=self.certs["stranger.crt"],
                            ssl_keyfile=self.certs["stranger.key"], socket_timeout=5).ping()
            self.assertEqual(r.get("before"), b"1")  # the established session is undisturbed
            try:
                self.assertEqual(stalled.recv(1), b"")  # the node closed the silent connection
            except ConnectionResetError:
                pass
            waited = time.time() - started
            self.assertGreater(waited, 9)
            self.assertLess(waited, 14)
            stalled.close()
            log = srv.log()
            refused = [l for l in log.splitlines() if "refused TLS client 127.0.0.1:" in l]
            # One line per refused connection: 5 of them, +1 for each certificate redis-py tried twice.
            self.assertTrue(5 <= len(refused) <= 7, "\n".join(refused))
            self.assertRegex(log, r"refused TLS client 127\.0\.0\.1:\d+: no TLS handshake within 10000 ms")
            self.assertRegex(log, r"refused TLS client 127\.0\.0\.1:\d+: .*not a TLS handshake")
            self.assertRegex(log, r"refused TLS client 127\.0\.0\.1:\d+: .*certificate has expired")
            self.assertRegex(log, r"refused TLS client 127\.0\.0\.1:\d+: .*unable to get local issuer certificate")
            self.assertTrue(r.ping())
        finally:
            srv.cleanup()

    def test_optional_client_certificates(self):
        port = free_port()
        srv = Server(args=tls_args(self.certs, port, auth="optional")).start()
        try:
            self.assertTrue(self.client(port, cert=False).ping())
            self.assertTrue(self.client(port).ping())
        finally:
            srv.cleanup()

    def test_cluster_follower_over_tls(self):
        ports = {}
        c = Cluster(3)
        try:
            for i, s in c.nodes.items():
                ports[i] = free_port()
                s.args += tls_args(self.certs, ports[i], auth="no")
            c.start()
            follower = next(i for i in c.nodes if i != c.leader())
            other = next(i for i in c.nodes if i != follower)
            self.assertTrue(self.client(ports[follower], cert=False).set("t", "over-tls"))
            self.assertEqual(self.client(ports[other], cert=False).get("t"), b"over-tls")
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
