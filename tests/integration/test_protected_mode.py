"""Protected mode (issue 10 item 5): without a password, a client that is not on 127.0.0.1/::1
gets Redis's -DENIED text byte for byte and is disconnected; loopback clients, a password, or
protected-mode no let it in. A client from 127.0.0.2 is a non-local client on any Linux."""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import RawConn, RedisServer, Server  # noqa: E402


def first_reply_from(port, source, send=b"PING\r\n"):
    """What a client bound to `source` reads after sending one command, until the server closes
    (or 2 s pass)."""
    s = socket.socket()
    s.settimeout(2)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    if send:
        s.sendall(send)
    got = b""
    deadline = time.time() + 2
    try:
        while time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            if got.endswith(b"\r\n") and not got.startswith(b"-DENIED"):
                break
    except socket.timeout:
        pass
    s.close()
    return got


class ProtectedModeTest(unittest.TestCase):
    def test_non_local_client_is_denied_like_redis(self):
        ref = RedisServer().start()
        srv = Server().start()
        try:
            # The text comes at once, unasked: nothing is sent (redis-server resets a connection it
            # closes with unread input, which can destroy the text before it is read).
            want = first_reply_from(ref.port, "127.0.0.2", send=b"")
            got = first_reply_from(srv.port, "127.0.0.2", send=b"")
            self.assertEqual(first_reply_from(srv.port, "127.0.0.2"), want)  # ours survives input
            self.assertTrue(want.startswith(b"-DENIED"), want)
            self.assertEqual(got, want)
            self.assertEqual(first_reply_from(srv.port, "127.0.0.1"), b"+PONG\r\n")
            # Turned off at runtime from the loopback interface, as the text suggests.
            self.assertEqual(RawConn(srv.port).call("CONFIG", "SET", "protected-mode", "no"), b"+OK\r\n")
            self.assertEqual(first_reply_from(srv.port, "127.0.0.2"), b"+PONG\r\n")
        finally:
            ref.cleanup()
            srv.cleanup()

    def test_a_password_lets_remote_clients_authenticate(self):
        srv = Server(args=["--requirepass", "pw"]).start()
        try:
            self.assertEqual(first_reply_from(srv.port, "127.0.0.2"), b"-NOAUTH Authentication required.\r\n")
            self.assertEqual(first_reply_from(srv.port, "127.0.0.2", b"AUTH pw\r\n"), b"+OK\r\n")
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
