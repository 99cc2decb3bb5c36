"""Test certificates made per run with the openssl command (never committed): a CA, a server and
a client certificate signed by it, and a client certificate signed by another CA."""
import os
import subprocess
import tempfile


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
