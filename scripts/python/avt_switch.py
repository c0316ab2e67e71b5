"""The switch and spawn examples, what the Python originals share of them (as
crates/common/src/switch.rs is for the Rust crates): the flags and their checks, the lap clock
(a warm-up, then M laps, M calibrated to about half a second unless --laps fixes it), the
ring's wiring, the first-run record, the checks and the --json line. Standard library only.

`switch`: K members in a ring pass one token for M laps, K x M hops, each a wait and a wake.
`spawn`: N units that do nothing but record when they first ran, all alive at once behind a
barrier. Both CPython ways block in a get(): a thread in queue.Queue.get (releasing the GIL),
a task in asyncio.Queue.get (returning to the event loop)."""

import json
import math
import os
import resource
import time

import avt_common as common

WORKERS = 100  # K, as the Rust crates
UNITS = 1_000  # N, as the Rust crates
MAX_UNITS = common.MAX_THREADS
MAX_LAPS = 1_000_000_000
TARGET_S = 0.5  # what the timed laps should take without --laps
WARM_UP_S = 0.05  # the warm-up without --laps: at least one lap and this long
MAX_CPU = 1023


def add_arguments(parser, name):
    """The `switch` or `spawn` flags (--variant, --threads and --json are common)."""
    if name == "switch":
        parser.add_argument("--workers", type=common._ranged(1, MAX_UNITS), default=WORKERS,
                            help=f"members of the ring; a lap is K hops (default {WORKERS})")
        parser.add_argument("--laps", type=common._ranged(1, MAX_LAPS), default=None,
                            help="timed laps after the warm-up (default: calibrated to ~0.5 s)")
        parser.add_argument("--via", choices=["channel", "pipe"], default="channel",
                            help="the queue, or a socket pair per hop (default channel)")
    else:
        parser.add_argument("--units", type=common._ranged(1, MAX_UNITS), default=UNITS,
                            help=f"units to spawn, each recording its first run (default {UNITS})")
    parser.add_argument("--pin", metavar="CPU", type=common._ranged(0, MAX_CPU), default=None,
                        help="pin the whole process to this CPU (sched_setaffinity)")


def check(parser, args):
    """Pins the process if asked (every thread started later inherits it), or exits 2."""
    if args.pin is not None:
        try:
            os.sched_setaffinity(0, {args.pin})
        except OSError as e:
            parser.error(f"--pin {args.pin}: sched_setaffinity refused it ({e.strerror}): not a "
                         "CPU this process may use")


def switches_now():
    """The process's (voluntary, involuntary) context switches so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw, usage.ru_nivcsw


def rss_kib_now():
    """The resident set now, in KiB (VmRSS), or None where unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def ring(workers, link):
    """K links made by `link()` as (sender, receiver) pairs, handed out as each member's
    (inbox, next): member i receives on link i - 1 and sends on link i. Member 0 keeps the
    clock."""
    links = [link() for _ in range(workers)]
    senders = [s for s, _ in links]
    receivers = [r for _, r in links]
    receivers = receivers[-1:] + receivers[:-1]  # member i's inbox is link i - 1
    return list(zip(receivers, senders))


class Clock:
    """Times a ring's laps: the first member calls next_lap() before each lap it starts, and
    finish(token) when it returns False."""

    def __init__(self, fixed):
        self.fixed = fixed
        self.lap_start = None
        self.warm_since = None
        self.warmup_laps = 0
        self.target = None  # M, once the warm-up is over
        self.done = 0
        self.laps_s = []
        self.timed_since = None
        self.timed_s = 0.0
        self.switches = (0, 0)

    def next_lap(self):
        now = time.perf_counter()
        lap = None if self.lap_start is None else now - self.lap_start
        self.lap_start = None
        if self.target is None:  # warming up
            if self.warm_since is None:
                self.warm_since = now
            self.warmup_laps += lap is not None
            warm = self.warmup_laps >= 1 and (self.fixed is not None
                                              or now - self.warm_since >= WARM_UP_S)
            if warm:
                per_lap = (now - self.warm_since) / self.warmup_laps
                self.target = self.fixed or min(MAX_LAPS, max(1, math.ceil(TARGET_S / max(per_lap, 1e-9))))
                self.switches = switches_now()  # read before the clock starts: not timed
                self.timed_since = self.lap_start = time.perf_counter()
                return True
        else:
            if lap is not None:
                self.laps_s.append(lap)
                self.done += 1
            if self.done == self.target:
                self.timed_s = now - self.timed_since
                v, i = switches_now()
                self.switches = (v - self.switches[0], i - self.switches[1])
                return False
        self.lap_start = time.perf_counter()
        return True

    def finish(self, token):
        self.token = token
        return self


def _at(values, q):
    """Nearest-rank percentile of sorted `values`."""
    return values[max(0, math.ceil(q * len(values)) - 1)] if values else 0.0


def _print(args, line, human):
    if args.json:
        print(json.dumps(line, separators=(",", ":")))
    else:
        print(human)


def _way(args):
    way = args.variant + (f", {args.via}" if hasattr(args, "via") else "")
    return way + (f", pinned to CPU {args.pin}" if args.pin is not None else "")


def report_switch(approach, args, clock, elapsed_ms, worker_threads):
    """Checks the token counted K x (warm-up + timed laps) and prints the line."""
    k = args.workers
    total = clock.warmup_laps + (clock.target or 0)
    expected = k * total
    if not clock.target or clock.token != expected:
        raise RuntimeError(f"the token came back counting {clock.token} hops, but {k} members "
                           f"x {total} laps is {expected}")
    hops = k * clock.target
    laps = sorted(clock.laps_s)
    params = {"threads": args.threads, "variant": args.variant, "workers": k,
              "laps": clock.target, "warmup_laps": clock.warmup_laps, "via": args.via}
    if args.pin is not None:
        params["pin"] = args.pin
    line = {
        "approach": approach, "example": "switch", "params": params,
        "result": clock.token, "checksum": f"{common.cpu_checksum(expected, clock.token):016x}",
        "verified": True, "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
        "hops": hops, "ns_per_hop": clock.timed_s * 1e9 / hops,
        "lap_p50_us": _at(laps, 0.50) * 1e6, "lap_p99_us": _at(laps, 0.99) * 1e6,
        "voluntary_per_hop": clock.switches[0] / hops,
        "involuntary_per_hop": clock.switches[1] / hops,
    }
    _print(args, line, f"{approach} switch ({_way(args)}): {k} members x {clock.target} laps = "
           f"{hops} hops at {line['ns_per_hop']:.1f} ns/hop; lap p50 {line['lap_p50_us']:.1f} "
           f"µs, p99 {line['lap_p99_us']:.1f} µs; {line['voluntary_per_hop']:.3f} voluntary + "
           f"{line['involuntary_per_hop']:.3f} involuntary switches/hop; {worker_threads} "
           f"threads, {elapsed_ms:.0f} ms wall")


class Unit:
    """One unit to spawn: it knows when it was spawned, and records when it first ran."""

    __slots__ = ("runs", "id", "spawned")

    def __init__(self, runs, i):
        self.runs, self.id, self.spawned = runs, i, time.perf_counter()

    def ran(self):
        first = self.runs.first_run_s
        if first[self.id] is not None:
            self.runs.twice += 1
        first[self.id] = time.perf_counter() - self.spawned  # one slot per unit: no lock


class SpawnClock:
    """Times a spawning loop; the units it spawned record their first runs here."""

    def __init__(self, units):
        self.first_run_s = [None] * units
        self.twice = 0
        self.rss_before = rss_kib_now()
        self.rss_alive = None
        self.spawning_s = None
        self.started = time.perf_counter()

    def unit(self, i):
        return Unit(self, i)

    def spawned(self):
        self.spawning_s = time.perf_counter() - self.started

    def all_alive(self):
        self.rss_alive = rss_kib_now()


def report_spawn(approach, args, clock, elapsed_ms, worker_threads):
    """Checks every unit ran once and prints the line."""
    ran = [s for s in clock.first_run_s if s is not None]
    if len(ran) != args.units or clock.twice:
        raise RuntimeError(f"{len(ran)} of {args.units} units ran ({clock.twice} more than "
                           "once): every unit must run exactly once")
    ran.sort()
    first_run = {"p50_us": _at(ran, 0.50) * 1e6, "p99_us": _at(ran, 0.99) * 1e6,
                 "max_us": ran[-1] * 1e6}
    params = {"threads": args.threads, "variant": args.variant}
    if args.pin is not None:
        params["pin"] = args.pin
    line = {
        "approach": approach, "example": "spawn", "params": params,
        "result": len(ran), "checksum": f"{common.cpu_checksum(args.units, len(ran)):016x}",
        "verified": True, "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
        "units": len(ran), "us_per_spawn": clock.spawning_s * 1e6 / args.units,
        "first_run": first_run,
    }
    rss = ""
    if clock.rss_before is not None and clock.rss_alive is not None:
        line["rss_per_unit_kib"] = max(0, clock.rss_alive - clock.rss_before) / args.units
        rss = f"; {line['rss_per_unit_kib']:.1f} KiB resident per live unit"
    _print(args, line, f"{approach} spawn ({_way(args)}): {args.units} units, each run once, at "
           f"{line['us_per_spawn']:.2f} µs/spawn; first run p50 {first_run['p50_us']:.1f} µs, "
           f"p99 {first_run['p99_us']:.1f} µs, max {first_run['max_us']:.1f} µs{rss}; "
           f"{worker_threads} threads")
