"""A real application: Django's cache framework through django-redis (Debian's python3-django and
python3-django-redis), configured as web applications do, with the cache in database 1
(LOCATION redis://127.0.0.1:PORT/1). No Django project: settings.configure() with one cache per
server under test — a single node and a follower of a 3-node cluster — and Debian's redis-server as
the reference, so a failure here is redraft's and not the test's. Covers set/get/add/delete,
delete_pattern, incr/decr, touch/ttl/expire/persist, get_many/set_many/delete_many, keys/iter_keys
(SCAN) and cache.lock (redis-py's Lock), and checks the keys landed in db 1 and not in db 0.
Note: django-redis's incr and redis-py's Lock.release/extend use EVAL/EVALSHA; without them incr
falls back to GET + SET (loses concurrent increments; a missing key raises TypeError, not
ValueError) and releasing a lock fails."""
import os
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RedisServer, Server  # noqa: E402

try:
    import django
    import django.conf  # django.conf.settings is lazy: not a module global (unittest's loader would touch it)
    import django_redis  # noqa: F401
except ImportError:  # pragma: no cover - deps/install.sh installs them
    django = None

DB = 1
servers = {}


def location(port):
    return f"redis://127.0.0.1:{port}/{DB}"


def setUpModule():
    if django is None:
        raise unittest.SkipTest("python3-django / python3-django-redis missing (run deps/install.sh)")
    servers["reference"] = RedisServer().start()
    servers["single"] = Server().start()
    servers["cluster"] = Cluster(3).start()
    cluster = servers["cluster"]
    lead = cluster.wait_leader()
    follower = next(i for i in cluster.nodes if i != lead)
    ports = {"reference": servers["reference"].port, "single": servers["single"].port,
             "follower": cluster.ports[follower]}
    servers["ports"] = ports
    caches = {name: {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location(port),
        "KEY_PREFIX": "app",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient",
                    "SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 15},
    } for name, port in ports.items()}
    caches["default"] = caches["single"]
    django.conf.settings.configure(CACHES=caches, INSTALLED_APPS=[], USE_TZ=True)
    django.setup()


def tearDownModule():
    for name in ("reference", "single", "cluster"):
        if name in servers:
            servers[name].cleanup()


class CacheChecks:
    """The same checks for every server; subclasses name the cache alias."""
    alias = None

    def setUp(self):
        from django.core.cache import caches
        self.cache = caches[self.alias]
        self.port = servers["ports"][self.alias]
        self.raw = {db: redis.Redis(port=self.port, db=db, socket_timeout=15) for db in (0, DB)}
        self.cache.clear()  # FLUSHDB of db 1 only

    def tearDown(self):
        for r in self.raw.values():
            r.close()

    def test_set_get_add_delete_in_db_1(self):
        c = self.cache
        db0_before = self.raw[0].dbsize()
        self.raw[0].set("app:1:k", "db0 value")  # the same raw key in db 0 must stay untouched
        self.assertTrue(c.set("k", {"user": 42, "roles": ["a", "b"]}, timeout=300))
        self.assertEqual(c.get("k"), {"user": 42, "roles": ["a", "b"]})  # pickled round trip
        self.assertEqual(c.get("missing", "dflt"), "dflt")
        self.assertFalse(c.add("k", "other"))  # SET NX on an existing key
        self.assertTrue(c.add("new", "v"))
        self.assertEqual(c.get("new"), "v")
        self.assertTrue(c.has_key("k"))
        # The keys are in db 1 under Django's key format (prefix:version:key), not in db 0.
        self.assertTrue(self.raw[DB].exists("app:1:k"))
        self.assertEqual(self.raw[0].get("app:1:k"), b"db0 value")
        self.assertEqual(self.raw[0].dbsize(), db0_before + 1)
        self.assertTrue(c.delete("k"))
        self.assertFalse(c.delete("k"))
        self.assertIsNone(c.get("k"))
        self.assertEqual(self.raw[0].get("app:1:k"), b"db0 value")  # DEL in db 1 left db 0 alone
        c.set("none", None)
        self.assertIsNone(c.get("none", "dflt"))
        self.assertTrue(c.has_key("none"))
        self.raw[0].delete("app:1:k")

    def test_delete_pattern_keys_iter_keys(self):
        c = self.cache
        c.set_many({f"sess:{i}": i for i in range(300)})
        c.set_many({f"keep:{i}": i for i in range(50)})
        self.assertEqual(sorted(c.keys("sess:*"), key=lambda k: int(k.split(":")[1])), [f"sess:{i}" for i in range(300)])
        self.assertEqual(sorted(c.iter_keys("keep:*", itersize=7)), sorted(f"keep:{i}" for i in range(50)))
        self.assertEqual(c.delete_pattern("sess:*", itersize=25), 300)
        self.assertEqual(c.keys("sess:*"), [])
        self.assertEqual(len(c.keys("keep:*")), 50)
        self.assertEqual(c.delete_pattern("nothing:*"), 0)
        self.assertEqual(self.raw[DB].dbsize(), 50)

    def test_incr_decr(self):
        c = self.cache
        c.set("n", 10)
        self.assertEqual(c.incr("n"), 11)
        self.assertEqual(c.incr("n", 5), 16)
        self.assertEqual(c.decr("n", 20), -4)
        self.assertEqual(c.get("n"), -4)
        with self.assertRaises(ValueError):
            c.incr("no-such-counter")
        c.set("big", 2 ** 62)
        # Past int64 INCRBY fails and django-redis falls back to GET + SET, keeping the TTL.
        self.assertEqual(c.incr("big", 2 ** 62), 2 ** 63)
        self.assertEqual(c.get("big"), 2 ** 63)

    def test_incr_is_atomic_under_concurrency(self):
        # django-redis increments with EVAL (EXISTS + INCRBY); a server without EVAL makes it fall
        # back to GET + SET, which loses increments between concurrent clients (rate limiters).
        c = self.cache
        c.set("hits", 0)
        errors = []

        def worker():
            try:
                for _ in range(50):
                    c.incr("hits")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(c.get("hits"), 200)

    def test_touch_ttl_expire_persist(self):
        c = self.cache
        c.set("t", "v", timeout=None)  # no expiry
        self.assertIsNone(c.ttl("t"))
        self.assertTrue(c.touch("t", 100))
        self.assertTrue(95 <= c.ttl("t") <= 100, c.ttl("t"))
        self.assertTrue(c.persist("t"))
        self.assertIsNone(c.ttl("t"))
        self.assertTrue(c.expire("t", 50))
        self.assertTrue(45 <= c.ttl("t") <= 50, c.ttl("t"))
        self.assertTrue(9_000 <= c.pttl("t") <= 50_000, c.pttl("t"))
        self.assertEqual(c.ttl("missing"), 0)
        self.assertFalse(c.touch("missing", 10))
        c.set("short", "v", timeout=1)
        self.assertEqual(c.get("short"), "v")
        time.sleep(1.3)
        self.assertIsNone(c.get("short"))
        self.assertTrue(c.touch("t", 0))  # PEXPIRE 0: the key expires now
        self.assertIsNone(c.get("t"))

    def test_get_many_set_many_delete_many(self):
        c = self.cache
        data = {f"m{i}": {"i": i} for i in range(100)}
        c.set_many(data, timeout=300)  # one pipeline of SET PX (django-redis returns None)
        got = c.get_many([f"m{i}" for i in range(0, 120, 3)])
        self.assertEqual(got, {f"m{i}": {"i": i} for i in range(0, 100, 3)})
        self.assertEqual(c.delete_many([f"m{i}" for i in range(50)]), 50)
        self.assertEqual(len(c.get_many(list(data))), 50)
        self.assertTrue(295 <= c.ttl("m99") <= 300)

    def test_lock(self):
        c = self.cache
        lock = c.lock("job", timeout=10, blocking_timeout=2)
        self.assertTrue(lock.acquire())
        other = c.lock("job", timeout=10)
        self.assertFalse(other.acquire(blocking=False))  # held
        self.assertTrue(0 < self.raw[DB].pttl("app:1:job") <= 10_000)  # redis-py's Lock: SET NX PX, db 1
        lock.extend(5)
        lock.release()
        self.assertTrue(other.acquire(blocking=False))  # free again
        other.release()
        with c.lock("ctx", timeout=5):
            self.assertFalse(c.lock("ctx").acquire(blocking=False))
        self.assertTrue(c.lock("ctx").acquire(blocking=False))
        # A lock that expired cannot be released by its old holder.
        short = c.lock("short", timeout=0.3)
        self.assertTrue(short.acquire())
        time.sleep(0.6)
        thief = c.lock("short", timeout=10)
        self.assertTrue(thief.acquire(blocking=False))
        with self.assertRaises(Exception):
            short.release()
        thief.release()


class ReferenceTest(CacheChecks, unittest.TestCase):
    alias = "reference"


class SingleNodeTest(CacheChecks, unittest.TestCase):
    alias = "single"


class ClusterFollowerTest(CacheChecks, unittest.TestCase):
    alias = "follower"


if __name__ == "__main__":
    unittest.main(verbosity=2)
