"""The cancel example, what the Python originals share of it (as crates/common/src/cancel.rs):
N fetches, one in K slow (S), the rest fast (F), under one deadline D. A way returns at D with
the fast results; then the program stays alive to watch what the deadline left: fetches still
running, threads, sockets, and slow fetches that ran to their end anyway. The command line,
the gauge, the watch, the check of what was kept, and the --json line. Standard library only.
"""

import json
import os
import threading
import time

import avt_common as common

TASKS = 20
SLOW_EVERY = 4
SLOW_MS = 10_000
FAST_MS = 50
DEADLINE_MS = 500
GRACE_MS = 100
MAX_GRACE_MS = 60_000


def add_arguments(parser):
    """The cancel flags, as the Rust crates have them (--variant and --threads are common)."""
    r = common._ranged
    parser.add_argument("--tasks", type=r(1, common.MAX_TASKS), default=TASKS,
                        help=f"fetches, all started at once; ids 0..N (default {TASKS})")
    parser.add_argument("--slow-every", type=r(1, common.MAX_TASKS), default=SLOW_EVERY,
                        help="one fetch in K is slow: the ids divisible by K "
                             f"(default {SLOW_EVERY})")
    parser.add_argument("--slow-ms", type=r(1, common.MAX_DELAY_MS), default=SLOW_MS,
                        help=f"the wait of a slow fetch (default {SLOW_MS})")
    parser.add_argument("--delay-ms", type=r(0, common.MAX_DELAY_MS), default=FAST_MS,
                        help=f"the wait of every other fetch (default {FAST_MS})")
    parser.add_argument("--deadline-ms", type=r(1, common.MAX_DELAY_MS), default=DEADLINE_MS,
                        help=f"return this long after the start (default {DEADLINE_MS})")
    parser.add_argument("--grace-ms", type=r(0, MAX_GRACE_MS), default=GRACE_MS,
                        help=f"look again this long after the return (default {GRACE_MS})")
    parser.add_argument("--source", choices=["sleep", "tcp"], default="sleep",
                        help="where each fetch waits: a timer, or a request to the delay server")
    parser.add_argument("--server", metavar="ADDR", default=None,
                        help="the delay server's address, with --source tcp")


def check_args(parser, args):
    s, f, d = args.slow_ms, args.delay_ms, args.deadline_ms
    if s <= f:
        parser.error(f"--slow-ms {s} is not above --delay-ms {f}: nothing is slow")
    if d <= f:
        parser.error(f"--deadline-ms {d} is not longer than the {f} ms fast fetch: "
                     "nothing could be kept")
    if s <= d:
        parser.error(f"--slow-ms {s} is not above --deadline-ms {d}: the slow fetches would "
                     "not miss it")
    if args.source == "tcp" and args.server is None:
        parser.error("--source tcp needs --server ADDR (start one with avt-delay-server)")
    if args.source == "sleep" and args.server is not None:
        parser.error("--server goes with --source tcp")
    if args.server is not None:
        host, _, port = args.server.rpartition(":")
        if not host or not port.isdigit():
            parser.error(f"invalid value '{args.server}' for '--server': not HOST:PORT")
        args.server = (host, int(port))


def is_slow(args, i):
    return i % args.slow_every == 0


def delay_s(args, i):
    """How long fetch i waits, in seconds: S for a slow one, F for the rest."""
    return (args.slow_ms if is_slow(args, i) else args.delay_ms) / 1000


def request(server, i, delay):
    host, port = server
    return (f"GET /fetch/{i}?delay_ms={round(delay * 1000)} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Connection: close\r\n\r\n").encode()


def check_response(response, i):
    """Status 200 and the body {"id":<i>}, as crates/common/src/http.rs checks it."""
    head, sep, body = response.partition(b"\r\n\r\n")
    if not sep:
        raise ConnectionError(f"connection closed after {len(response)} bytes, before the answer")
    status = head.split(b" ")[1:2]
    if status != [b"200"]:
        raise RuntimeError(f"status {status}: {body.decode(errors='replace').strip()}")
    got = json.loads(body)["id"]
    if got != i:
        raise RuntimeError(f"fetch {i} got the answer for id {got}")
    return i


def _threads():
    return len(os.listdir("/proc/self/task"))


def _sockets():
    """Sockets open now: the entries of /proc/self/fd that link to socket:[...] (the event
    loop's own self-pipe is a socket pair, open before the first fetch starts)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass  # closed meanwhile, or the listing's own
    return count


class Fetches:
    """The gauge of fetches running, the count of those that ended after the deadline, and the
    sockets open at the first start (so that only the fetches' own count). Thread-safe."""

    def __init__(self, args):
        self.start = time.monotonic()
        self.deadline = self.start + args.deadline_ms / 1000
        self.running = 0
        self.wasted = 0
        self.sockets_at_start = None
        self._lock = threading.Lock()

    def started(self):
        """`with fetches.started() as fetch:` around one fetch; `fetch.end(i)` once it has its
        answer. Leaving the block, however (an answer, an error, a cancellation), lowers the
        gauge."""
        return _Running(self)

    def held(self):
        start = self.sockets_at_start
        sockets = max(0, _sockets() - start) if start is not None else 0
        return {"running": self.running, "threads": _threads(), "sockets": sockets}


class _Running:
    def __init__(self, fetches):
        self.fetches = fetches

    def __enter__(self):
        f = self.fetches
        with f._lock:
            if f.sockets_at_start is None:
                f.sockets_at_start = _sockets()  # before any fetch opens a socket
            f.running += 1
        return self

    def end(self, i):
        """The fetch ran to its end: after the deadline that is work nobody wanted."""
        f = self.fetches
        if time.monotonic() > f.deadline:
            with f._lock:
                f.wasted += 1
        return i

    def __exit__(self, *exc):
        with self.fetches._lock:
            self.fetches.running -= 1
        return False


class Watch:
    """What is held at the return and a grace later, and when no fetch was running any more
    (None if some still were S + 1 s after the deadline). `step()` every millisecond until it
    says the watch is over; the sleep between steps is the caller's (a thread's, or the event
    loop's, so that tasks left running go on running)."""

    def __init__(self, args, fetches):
        self.fetches = fetches
        self.returned = time.monotonic()
        self.at_return = fetches.held()
        self.grace_at = self.returned + args.grace_ms / 1000
        self.give_up = fetches.deadline + args.slow_ms / 1000 + 1
        self.released = None
        self.after_grace = None

    def step(self):
        now = time.monotonic()
        if self.released is None and self.fetches.running == 0:
            self.released = now
        if self.after_grace is None and now >= self.grace_at:
            self.after_grace = self.fetches.held()
        return self.after_grace is not None and (self.released is not None or now >= self.give_up)


def kept_ids(args, results, stops):
    """The ids kept, checked: distinct fast ids, and all of them for a way that `stops` what it
    gives up. A failed fetch fails the run. Returns (ids, checksum)."""
    ids = []
    for r in results:
        if isinstance(r, BaseException):
            raise RuntimeError(f"a fetch failed: {r!r}")
        ids.append(r)
    seen = set()
    total = 0
    for i in ids:
        if not 0 <= i < args.tasks:
            raise RuntimeError(f"kept a result for id {i}, outside 0..{args.tasks}")
        if i in seen:
            raise RuntimeError(f"kept the result of fetch {i} twice")
        if is_slow(args, i):
            raise RuntimeError(f"kept the result of fetch {i}, a slow one that cannot have "
                               "ended by the deadline")
        seen.add(i)
        total = (total + common.mix(i)) & common.MASK
    fast = [i for i in range(args.tasks) if not is_slow(args, i)]
    if stops and len(ids) != len(fast):
        missing = next(i for i in fast if i not in seen)
        raise RuntimeError(f"kept {len(ids)} of the {len(fast)} fast results by the "
                           f"{args.deadline_ms} ms deadline (fetch {missing} is missing)")
    return ids, total


def report(approach, args, fetches, watch, ids, checksum, worker_threads, stops):
    """Prints the --json line (or a summary); a way that `stops` its work and left a fetch
    running or a socket open after the grace then fails."""
    if watch.released is not None:
        released_ms = max(0.0, (watch.released - fetches.deadline) * 1000)
    else:
        released_ms = args.slow_ms + 1000.0
    returned_ms = (watch.returned - fetches.start) * 1000
    params = {"threads": args.threads, "tasks": args.tasks, "delay_ms": args.delay_ms,
              "variant": args.variant, "deadline_ms": args.deadline_ms,
              "slow_ms": args.slow_ms, "slow_every": args.slow_every, "grace_ms": args.grace_ms}
    if args.source == "tcp":
        params["source"] = "tcp"
    line = {
        "approach": approach, "example": "cancel", "params": params,
        "result": len(ids), "checksum": f"{checksum:016x}", "verified": True,
        "elapsed_ms": returned_ms, "worker_threads": worker_threads,
        "returned_ms": returned_ms, "kept": len(ids), "at_return": watch.at_return,
        "after_grace": watch.after_grace, "released_ms": released_ms, "wasted": fetches.wasted,
    }
    if args.json:
        print(json.dumps(line, separators=(",", ":")), flush=True)
    else:
        def held(h):
            return f"{h['running']} running, {h['threads']} threads, {h['sockets']} sockets"
        print(f"{approach} cancel ({args.variant}): kept {len(ids)} results by the "
              f"{args.deadline_ms} ms deadline, returned at {returned_ms:.1f} ms; at return "
              f"{held(watch.at_return)}; {args.grace_ms} ms later {held(watch.after_grace)}; "
              f"released {released_ms:.1f} ms after the deadline; {fetches.wasted} fetches "
              f"wasted [checksum {checksum:016x}]", flush=True)
    after = watch.after_grace
    if stops and (after["running"] or after["sockets"]):
        raise RuntimeError(f"{args.variant} left {after['running']} fetches running and "
                           f"{after['sockets']} sockets open {args.grace_ms} ms after it "
                           "returned: it did not stop what it gave up")
