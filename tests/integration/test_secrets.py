"""Secrets hygiene (issue 10 item 6): a config file that holds a password or the cluster secret
and is readable by others is named in a startup warning; passwords never reach the log or
CLIENT LIST; the cluster secret never reaches INFO or the log."""
import os
import sys
import tempfile
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server  # noqa: E402


def conf_file(mode, lines):
    fd, path = tempfile.mkstemp(prefix="redraft-conf-", suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, mode)
    return path


class SecretsTest(unittest.TestCase):
    def run_with(self, mode):
        path = conf_file(mode, ["requirepass s3cr3t-pw", "cluster-secret cl-s3cr3t"])
        srv = Server(conf=path).start()
        try:
            r = redis.Redis(port=srv.port, password="s3cr3t-pw", socket_timeout=5)
            self.assertTrue(r.set("k", "v"))
            self.assertNotIn(b"s3cr3t", r.execute_command("CLIENT", "LIST"))
            self.assertNotIn(b"s3cr3t", r.execute_command("INFO", "everything"))
            with self.assertRaisesRegex(redis.ResponseError, "WRONGPASS"):
                redis.Redis(port=srv.port, password="wrong-s3cr3t", socket_timeout=5).ping()
            srv.stop()
            log = srv.log()
            self.assertNotIn("s3cr3t", log)
            return log, path
        finally:
            srv.cleanup()
            os.unlink(path)

    def test_world_readable_config_with_secrets_is_named(self):
        log, path = self.run_with(0o644)
        self.assertIn(f"config file {path} holds a password or the cluster secret and is readable", log)

    def test_private_config_gets_no_warning(self):
        log, _ = self.run_with(0o600)
        self.assertNotIn("holds a password", log)


if __name__ == "__main__":
    unittest.main(verbosity=2)
