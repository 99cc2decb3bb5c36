"""A linearizability checker for single-key read/write registers (Wing & Gong's search with Lowe's
just-in-time linearization and memoization on (set of linearized operations, register value)).

An operation is an Op(kind, value, inv, ret, status):
  kind   "w" (write value) or "r" (read that returned value; None = key absent);
  inv    invocation time; ret: completion time (float("inf") if the outcome is unknown);
  status "ok", "fail" (certainly not executed) or "unknown" (a write that may have taken effect at
         any point after inv, or never).
Failed operations and reads that did not complete are dropped before the search. Write values are
expected to be unique per key (that is what makes the search fast); the initial value is None.
"""
import time

INF = float("inf")


class Op:
    __slots__ = ("kind", "value", "inv", "ret", "status", "info", "id")

    def __init__(self, kind, value, inv, ret, status="ok", info=None):
        self.kind, self.value, self.inv, self.ret, self.status, self.info = kind, value, inv, ret, status, info
        self.id = -1

    def __repr__(self):
        ret = "inf" if self.ret == INF else f"{self.ret:.6f}"
        return f"Op({self.kind} {self.value!r} [{self.inv:.6f}, {ret}] {self.status} {self.info or ''})"


class Result:
    def __init__(self, ok, reason="", states=0, capped=False, ops=0, culprit=None, context=()):
        self.ok, self.reason, self.states, self.capped, self.ops = ok, reason, states, capped, ops
        self.culprit, self.context = culprit, list(context)

    def __repr__(self):
        return f"Result(ok={self.ok} capped={self.capped} ops={self.ops} states={self.states} {self.reason})"

    def describe(self, limit=40):
        lines = [self.reason]
        if self.culprit is not None:
            lines.append(f"  operation that cannot be linearized: {self.culprit!r}")
        if self.context:
            lines += [f"    {label}: {o!r}" for label, o in self.context[:limit]]
        return "\n".join(lines)


def _prepare(history):
    """Drops what cannot matter and bounds unknown writes; returns (ops, error Result or None)."""
    writes = {}
    failed_values = {}
    for o in history:
        if o.kind == "w":
            if o.status == "fail":
                failed_values[o.value] = o
                continue
            if o.value in writes:
                raise ValueError(f"write values must be unique per key: {o.value!r}")
            writes[o.value] = o
    reads = [o for o in history if o.kind == "r" and o.status == "ok" and o.ret != INF]
    # Quick, precise diagnostics for the commonest violations (the search would find them too).
    for r in reads:
        if r.value is None:
            continue
        w = writes.get(r.value)
        if w is None:
            why = ("a write reported as NOT executed" if r.value in failed_values else "no write at all")
            return None, Result(False, f"read returned {r.value!r}, written by {why}", culprit=r,
                                context=[("failed write", failed_values[r.value])] if r.value in failed_values else [])
        if w.inv > r.ret:
            return None, Result(False, f"read returned {r.value!r} before that write was invoked",
                                culprit=r, context=[("write", w)])
    # An unknown write: it may take effect never or at any time after its invocation. If nobody read
    # its value, "never" is always a valid choice, so it is dropped; if someone did, it must have taken
    # effect before the first such read completed, so that bounds its completion time. Both keep the
    # set of valid linearizations exactly the same.
    first_read = {}
    for r in reads:
        if r.value is not None and (r.value not in first_read or r.ret < first_read[r.value]):
            first_read[r.value] = r.ret
    ops = []
    for w in writes.values():
        if w.status != "ok" or w.ret == INF:
            if w.value not in first_read:
                continue
            w = Op("w", w.value, w.inv, min(w.ret, first_read[w.value]), w.status, w.info)
        ops.append(w)
    ops += reads
    return ops, None


def check_register(history, max_states=2_000_000, max_seconds=None, initial=None):
    """Returns a Result; ok=True also when a cap (states or time) was hit (then capped=True)."""
    give_up = time.monotonic() + max_seconds if max_seconds else None
    ops, err = _prepare(history)
    if err is not None:
        return err
    n = len(ops)
    if n == 0:
        return Result(True, "empty history")
    ops.sort(key=lambda o: o.inv)
    for i, o in enumerate(ops):
        o.id = i
    # Events: calls before returns at equal times (touching intervals count as concurrent).
    events = []
    for o in ops:
        events.append((o.inv, 0, o.id))
        events.append((o.ret, 1, o.id))
    events.sort()
    # Doubly linked list over event slots 1..2n; slot 0 is the head sentinel, -1 = end.
    m = len(events)
    nxt = [0] * (m + 1)
    prv = [0] * (m + 1)
    is_call = [False] * (m + 1)
    op_of = [0] * (m + 1)
    match = [0] * (m + 1)   # call slot -> its return slot
    call_slot = [0] * n
    ret_slot = [0] * n
    for s, (_, typ, oid) in enumerate(events, start=1):
        is_call[s] = typ == 0
        op_of[s] = oid
        if typ == 0:
            call_slot[oid] = s
        else:
            ret_slot[oid] = s
    for oid in range(n):
        match[call_slot[oid]] = ret_slot[oid]
    for s in range(m + 1):
        nxt[s] = s + 1 if s < m else -1
        prv[s] = s - 1
    kinds = [o.kind == "w" for o in ops]
    values = [o.value for o in ops]

    def lift(c):
        r = match[c]
        nxt[prv[c]] = nxt[c]
        if nxt[c] != -1:
            prv[nxt[c]] = prv[c]
        nxt[prv[r]] = nxt[r]
        if nxt[r] != -1:
            prv[nxt[r]] = prv[r]

    def unlift(c):
        r = match[c]
        nxt[prv[r]] = r
        if nxt[r] != -1:
            prv[nxt[r]] = r
        nxt[prv[c]] = c
        if nxt[c] != -1:
            prv[nxt[c]] = c

    cache = set()
    stack = []
    state = initial
    linearized = 0
    entry = nxt[0]
    states = 0
    best_depth, best_stuck = -1, None
    while nxt[0] != -1:
        if is_call[entry]:
            oid = op_of[entry]
            if kinds[oid]:
                ok, new_state = True, values[oid]
            else:
                ok, new_state = values[oid] == state, state
            if ok:
                newlin = linearized | (1 << oid)
                # Memo key: the linearized set is mostly a prefix of ids plus a few others, so keep
                # it small as (length of the all-ones prefix, the remaining bits).
                k = ((newlin + 1) & ~newlin).bit_length() - 1
                key = (k, newlin >> k, new_state)
                if key not in cache:
                    cache.add(key)
                    states += 1
                    if states > max_states or (give_up and states % 4096 == 0 and time.monotonic() > give_up):
                        return Result(True, f"search capped after {states} states: NOT fully checked",
                                      states=states, capped=True, ops=n)
                    stack.append((entry, state))
                    state, linearized = new_state, newlin
                    lift(entry)
                    entry = nxt[0]
                    continue
            entry = nxt[entry]
        else:
            # The earliest pending return: that operation cannot be linearized here. Backtrack.
            if len(stack) > best_depth:
                best_depth, best_stuck = len(stack), op_of[entry]
            if not stack:
                break
            entry, state = stack.pop()
            linearized &= ~(1 << op_of[entry])
            unlift(entry)
            entry = nxt[entry]
    else:
        return Result(True, "linearizable", states=states, ops=n)
    culprit = ops[best_stuck]
    return Result(False, f"not linearizable: at most {best_depth} of {n} operations linearize "
                  f"(search explored {states} states)", states=states, ops=n, culprit=culprit,
                  context=_context(ops, culprit))


def _context(ops, culprit):
    """The operations that explain why culprit cannot be linearized, labelled."""
    out = []
    if culprit.kind == "r":
        src = [o for o in ops if o.kind == "w" and o.value == culprit.value]
        out += [("write of the value read", o) for o in src]
        if culprit.value is None:
            out.append(("it read the initial value (key absent)", culprit))
    before = sorted((o for o in ops if o.kind == "w" and o.ret < culprit.inv), key=lambda o: o.ret)[-5:]
    out += [("write completed before it began", o) for o in before]
    newer = sorted((o for o in ops if o.kind == "r" and o.ret < culprit.inv), key=lambda o: o.ret)[-5:]
    out += [("read completed before it began", o) for o in newer]
    conc = [o for o in ops if o is not culprit and o.inv <= culprit.ret and o.ret >= culprit.inv]
    out += [("concurrent", o) for o in conc[:10]]
    return out
