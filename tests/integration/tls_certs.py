"""Test certificates made per run with the openssl command (never committed): a CA, a server and
a client certificate signed by it, and a client certificate signed by another CA."""
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest


def make_certs(dirname=None):
    d = dirname or tempfile.mkdtemp(prefix="redraft-tls-")

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca", "-keyout", "ca.key",
        "-out", "ca.crt")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other-ca", "-keyout", "other.key",
        "-out", "other.crt")
    for who, ca in (("server", "ca"), ("server2", "ca"), ("client", "ca"), ("stranger", "other")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={who}", "-keyout", f"{who}.key", "-out", f"{who}.csr")
        ext = os.path.join(d, f"{who}.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run("x509", "-req", "-in", f"{who}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", f"{who}.crt")
    return {name: os.path.join(d, name) for name in os.listdir(d)} | {"dir": d}


TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")


def make_node_certs(ids, dirname=None, days=None):
    """tools/make_certs: a CA and, per member id, node<id>.crt/.key naming redraft-node-<id> (the
    tls-cluster identity rule, docs/peer_protocol.md), plus client.crt/.key. A second call with
    another dirname makes an unrelated CA."""
    d = dirname or tempfile.mkdtemp(prefix="redraft-peertls-")
    args = [os.path.join(TOOLS, "make_certs")] + (["--days", str(days)] if days else []) + [d] + [str(i) for i in ids]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return {name: os.path.join(d, name) for name in os.listdir(d)} | {"dir": d}


def peer_cn(port, certs):
    """The subject CN of the certificate a TLS server on 127.0.0.1:port presents (connecting with
    certs' CA and client certificate, so it works whatever tls-auth-clients says)."""
    ctx = ssl.create_default_context(cafile=certs["ca.crt"])
    ctx.load_cert_chain(certs["client.crt"], certs["client.key"])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return dict(x[0] for x in s.getpeercert()["subject"])["commonName"]


class CertsTestCase(unittest.TestCase):
    """A test class with make_certs() made once for the class (self.certs) and removed after it."""

    @classmethod
    def setUpClass(cls):
        cls.certs = make_certs()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certs["dir"], ignore_errors=True)
