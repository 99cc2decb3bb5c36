"""Power loss under write load, on a 3-node cluster whose nodes run under the power-loss shim
(powerloss/README.md): every write a node did not fsync/fdatasync, and every file creation,
rename or deletion whose directory it did not fsync, is undone after the node is killed -9, as a
power cut would. RocksDB (WAL off, atomic flush) and the Raft log (preallocated segments,
fdatasync) both run on top of it; log compaction every 1000 entries keeps RocksDB flushing and
the log truncating during the run.

Faults, each followed by REDRAFT_FAULT_SECONDS (default 6) of load, the list repeated
REDRAFT_FAULT_ROUNDS (default 1) times: power loss of a follower, of the leader, of all three
nodes at once, of the leader again, of all nodes again. Then: every node converges, each
register's history (clients' SETs/GETs, final reads through every node) is linearizable — so no
acknowledged write was lost — and the counter lost or duplicated no acknowledged INCR.

Also a self-test of the shim and its rollback on a hand-made sequence of file operations.
"""
import os
import subprocess
import sys
import tempfile
import time
import traceback
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fault_harness import POWERLOSS_LIB, POWERLOSS_TOOL, FaultCluster  # noqa: E402
from fault_workload import FAULT_ROUNDS, FAULT_SECONDS, Workload, new_seed, now, run_bounded  # noqa: E402

SEED = new_seed()


class ShimSelfTest(unittest.TestCase):
    """The shim + rollback on known operations (Python's os calls go through libc's wrappers)."""

    SCRIPT = r"""
import os, sys
R = sys.argv[1]
p = lambda n: os.path.join(R, n)
fd = os.open(p("a"), os.O_CREAT | os.O_RDWR, 0o644); os.write(fd, b"hello"); os.fsync(fd)
dfd = os.open(R, os.O_RDONLY); os.fsync(dfd)
os.pwrite(fd, b"XXXXX", 0); os.write(fd, b"more")            # unsynced overwrite and append
fd2 = os.open(p("pre"), os.O_RDWR); os.pwrite(fd2, b"ab", 3); os.fdatasync(fd2)
os.pwrite(fd2, b"ZZZZ", 2); os.ftruncate(fd2, 4)              # unsynced overwrite and shrink
os.mkdir(p("sub")); open(p("sub/x"), "w").write("x")
open(p("b"), "w").write("new")                                 # created, directory not synced
os.unlink(p("c")); os.rename(p("d"), p("e"))                   # neither made durable
open(p("s2/f.tmp"), "w").write("F"); os.rename(p("s2/f.tmp"), p("s2/f"))   # content not fsynced
sfd = os.open(p("s2"), os.O_RDONLY); os.fsync(sfd)                                # durable
fd3 = os.open(p("s2/f"), os.O_RDWR); os.ftruncate(fd3, 0); os.write(fd3, b"lost")   # not synced
os.kill(os.getpid(), 9)
"""

    def test_rollback(self):
        self.assertTrue(os.path.exists(POWERLOSS_LIB), POWERLOSS_LIB)
        with tempfile.TemporaryDirectory() as t:
            root, jdir = os.path.join(t, "root"), os.path.join(t, "pl")
            os.makedirs(os.path.join(root, "s2"))
            os.makedirs(jdir)
            for name, data in (("c", "durable"), ("d", "dd"), ("pre", "0123456789")):
                with open(os.path.join(root, name), "w") as f:
                    f.write(data)
            env = dict(os.environ, LD_PRELOAD=os.path.abspath(POWERLOSS_LIB), POWERLOSS_ROOT=root, POWERLOSS_DIR=jdir)
            r = subprocess.run([sys.executable, "-c", self.SCRIPT, root], env=env, capture_output=True, timeout=30)
            self.assertEqual(r.returncode, -9, r.stderr)
            self.assertEqual(sorted(os.listdir(root)), ["a", "b", "e", "pre", "s2", "sub"])
            out = subprocess.run([POWERLOSS_TOOL, "rollback", root, jdir], capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            got = {}
            for n in sorted(os.listdir(root)) + ["s2/" + n for n in os.listdir(os.path.join(root, "s2"))]:
                if n != "s2":
                    with open(os.path.join(root, n)) as f:
                        got[n] = f.read()
            self.assertEqual(got, {"a": "hello", "c": "durable", "d": "dd", "pre": "012ab56789",
                                   "s2/f": ""})   # renamed into place, directory synced, content never synced
            self.assertEqual(os.listdir(jdir), [])
            # A second process starts with an empty journal; a non-empty one makes the shim refuse.
            with open(os.path.join(jdir, "journal"), "wb") as f:
                f.write(b"x")
            r = subprocess.run([sys.executable, "-c", "pass"], env=env, capture_output=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"journal not empty", r.stderr)


class Run:
    def __init__(self):
        self.cluster = FaultCluster(3, powerloss=True, extra_args=["--log-compact-entries", "1000"])
        self.w = Workload(self.cluster, SEED)
        self.lines = []
        self.restored = 0

    def say(self, s):
        self.lines.append(s)
        print(s, flush=True)

    def power_cut(self, name, labels):
        c, w = self.cluster, self.w
        t0 = now()
        summaries = c.power_cut(labels)
        for i, s in summaries.items():
            self.say(f"  node {i}: {s}")
            if " 0 unsynced ranges" not in s or " 0 entry changes" not in s:
                self.restored += 1
        for i in labels:
            c.nodes[i].start(wait=False)
        for i in labels:
            from harness import wait_ping
            wait_ping(c.nodes[i].port, proc=c.nodes[i].proc, timeout=30)
        took = w.probe_write(list(c.nodes), timeout=30)
        if took is None:
            w.failures.append(f"{name}: no write acknowledged within 30 s after the restart")
        self.say(f"{name}: nodes {labels} lost power; first write acknowledged {took and round(took * 1000)} ms "
                 f"after the restart; {now() - t0:.1f} s")
        time.sleep(FAULT_SECONDS)

    def scenarios(self):
        c = self.cluster
        time.sleep(FAULT_SECONDS)
        L = c.wait_leader()
        self.power_cut("follower", [next(i for i in c.nodes if i != L)])
        self.power_cut("leader", [c.wait_leader()])
        self.power_cut("all nodes", list(c.nodes))
        self.power_cut("leader", [c.wait_leader()])
        self.power_cut("all nodes", list(c.nodes))

    def run(self):
        t0 = now()
        try:
            self.cluster.start()
            self.w.start()
            for _ in range(FAULT_ROUNDS):
                self.scenarios()
            self.w.finish()
            if self.restored == 0:
                self.w.failures.append("no power cut found anything unsynced to undo: the shim is not in effect")
            self.say(f"faults done after {now() - t0:.1f} s; final checks:")
            for line in self.w.final_checks(list(self.cluster.nodes)):
                self.say(line)
        except Exception:
            self.w.failures.append("exception: " + traceback.format_exc())
        finally:
            self.w.stop.set()
        self.say(f"{'ALL PASSED' if not self.w.failures else 'FAILED'}; total {now() - t0:.1f} s")


class PowerLossTest(unittest.TestCase):
    def test_power_loss(self):
        print(f"\npower loss: seed {SEED} (REDRAFT_FAULT_SEED), {FAULT_SECONDS:.0f} s of load after each "
              f"fault, {FAULT_ROUNDS} round(s)", flush=True)
        run = Run()
        run_bounded(self, run, "powerloss", SEED)


if __name__ == "__main__":
    unittest.main(verbosity=2)
