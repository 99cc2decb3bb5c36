"""HTTPS on the HTTP port (http-tls yes): the REST API, /metrics and the console over TLS with the
client TLS port's certificates and client-certificate rule; plain HTTP and unknown client
certificates refused without serving anything; a certificate changed by CONFIG SET reaches new
HTTPS connections; the Redis port keeps serving throughout."""
import http.client
import os
import socket
import ssl
import sys
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, free_port  # noqa: E402
from tls_certs import CertsTestCase, peer_cn  # noqa: E402


class HttpTlsTest(CertsTestCase):
    def start(self, auth_clients, extra=()):
        http_port = free_port()
        c = self.certs
        srv = Server(args=["--http-port", str(http_port), "--http-tls", "yes", "--tls-cert-file", c["server.crt"],
                           "--tls-key-file", c["server.key"], "--tls-ca-cert-file", c["ca.crt"],
                           "--tls-auth-clients", auth_clients, *extra]).start()
        self.addCleanup(srv.stop)
        return srv, http_port

    def https(self, port, cert=None):
        ctx = ssl.create_default_context(cafile=self.certs["ca.crt"])
        if cert:
            ctx.load_cert_chain(self.certs[cert + ".crt"], self.certs[cert + ".key"])
        return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)

    def request(self, conn, method, path, body=None, headers=None):
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()

    def once(self, port, method, path, cert=None, headers=None):
        conn = self.https(port, cert)
        try:
            return self.request(conn, method, path, headers=headers)
        finally:
            conn.close()

    def test_rest_metrics_and_console_over_https(self):
        srv, port = self.start("no")
        conn = self.https(port)
        blob = os.urandom(300_000) + b"\r\n\x00end"
        st, _, _ = self.request(conn, "PUT", "/v1/keys/file.bin", body=blob,
                                headers={"Content-Type": "application/octet-stream"})
        self.assertIn(st, (200, 201, 204))
        # Same keep-alive connection: the response framing survives encryption.
        st, hdrs, body = self.request(conn, "GET", "/v1/keys/file.bin")
        self.assertEqual(st, 200)
        self.assertEqual(body, blob)
        self.assertEqual(hdrs.get("Content-Type"), "application/octet-stream")
        st, _, body = self.request(conn, "GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertIn(b"redraft_commands_total", body)
        st, _, body = self.request(conn, "GET", "/")
        self.assertEqual(st, 200)
        self.assertIn(b"<html", body.lower())
        conn.close()
        # The value written over HTTPS is the Redis port's value.
        self.assertEqual(redis.Redis(port=srv.port).get("file.bin"), blob)
        self.assertEqual(redis.Redis(port=srv.port).config_get("http-tls"), {"http-tls": "yes"})

    def test_plain_http_is_refused_and_nothing_is_served(self):
        srv, port = self.start("no")
        redis.Redis(port=srv.port).set("secret", "v")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /v1/keys/secret HTTP/1.1\r\nHost: x\r\n\r\n")
            got = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        self.assertNotIn(b"HTTP/1.1", got)
        self.assertNotIn(b"secret", got)
        self.assertNotIn(b"\"v\"", got)
        # Still serving HTTPS and the Redis port afterwards.
        self.assertEqual(self.once(port, "GET", "/v1/keys/secret")[2], b"v")
        self.assertTrue(redis.Redis(port=srv.port).ping())

    def test_client_certificates_as_tls_auth_clients_says(self):
        srv, port = self.start("yes")
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            self.once(port, "GET", "/metrics")  # no certificate
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            self.once(port, "GET", "/metrics", cert="stranger")  # another CA's
        st, _, _ = self.once(port, "GET", "/metrics", cert="client")
        self.assertEqual(st, 200)
        self.assertTrue(redis.Redis(port=srv.port).ping())

    def test_basic_auth_over_https_and_certificate_rotation(self):
        srv, port = self.start("no", extra=("--requirepass", "s3cret"))
        st, _, _ = self.once(port, "GET", "/v1/keys/x")
        self.assertEqual(st, 401)
        import base64
        auth = {"Authorization": "Basic " + base64.b64encode(b"default:s3cret").decode()}
        r = redis.Redis(port=srv.port, password="s3cret")
        r.set("x", "1")
        self.assertEqual(self.once(port, "GET", "/v1/keys/x", headers=auth)[2], b"1")

        self.assertEqual(peer_cn(port, self.certs), "server")
        self.assertTrue(r.execute_command("CONFIG", "SET", "tls-cert-file", self.certs["server2.crt"], "tls-key-file",
                                          self.certs["server2.key"]))
        self.assertEqual(peer_cn(port, self.certs), "server2")

    def test_http_tls_without_certificates_refuses_to_start(self):
        srv = Server(args=["--http-port", str(free_port()), "--http-tls", "yes"])
        with self.assertRaises(Exception):
            srv.start()
        srv.stop()


if __name__ == "__main__":
    unittest.main()
