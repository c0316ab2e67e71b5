"""The mixed example, what the Python originals share of it (as crates/common/src/mixed.rs):
requests arrive at a steady rate, each fetches (a sleep) and then counts primes. The arrival
schedule, the checks, the latency percentiles, the --json line, the deadline watchdog and the
wake probe's sending thread. Standard library only.

Open loop: request i is due at start + i/R whether or not earlier ones are done, and its
latency is its completion minus its due time.
"""

import argparse
import collections
import json
import math
import os
import sys
import threading
import time

import avt_common as common

# CPython counts some 50 times slower than Rust, so its defaults count fewer numbers: about
# half of one core (the GIL) on a 2-core machine, for about 3 s.
REQUESTS = 150
RATE = 50.0
WORK = 1_000
DELAY_MS = 50
BASE = 1_000_000
OFFSETS = 16
MAX_WORK = 100_000_000
MAX_RATE = 1e6
PROBE_US = 1_000  # the wake probe's default period
MAX_PROBE_US = 1_000_000
GRACE_S = 0.1  # how long after the deadline the watchdog steps in


def request_numbers(i, work):
    """Request i counts the primes in [BASE + (i mod 16) * work, that + work)."""
    start = BASE + (i % OFFSETS) * work
    return start, start + work


def add_arguments(parser):
    """The mixed flags, as the Rust crates have them (--variant and --threads are common)."""
    def rate(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value '{text}': not a number")
        if not 0 < value <= MAX_RATE:
            raise argparse.ArgumentTypeError(
                f"--rate {text} must be above 0 and at most {MAX_RATE:g}")
        return value

    parser.add_argument("--requests", type=common._ranged(1, common.MAX_TASKS), default=REQUESTS,
                        help=f"requests in the run; request i is due at start + i/R (default {REQUESTS})")
    parser.add_argument("--rate", type=rate, default=RATE,
                        help=f"arrivals per second, open loop (default {RATE:g})")
    parser.add_argument("--delay-ms", type=common._ranged(0, common.MAX_DELAY_MS), default=DELAY_MS,
                        help=f"each request's fetch wait (default {DELAY_MS})")
    parser.add_argument("--work", type=common._ranged(1, MAX_WORK), default=WORK,
                        help="numbers each request then counts primes in: request i takes "
                             f"[1000000 + (i mod 16) * W, that + W) (default {WORK})")
    parser.add_argument("--deadline-ms", type=common._ranged(1, 4 * common.MAX_DELAY_MS),
                        default=None, help="end the run this long after the start; unfinished "
                        "requests count as late (default: 3 x the ideal N/R + D, at least that + 1 s)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any request is late")
    parser.add_argument("--probe-us", metavar="P", type=common._ranged(1, MAX_PROBE_US),
                        default=None, help="the wake probe's period: a thread outside the loop "
                        f"wakes it every P µs (default {PROBE_US})")
    parser.add_argument("--no-probe", action="store_true", help="leave the wake probe out")


def default_deadline_ms(requests, rate, delay_ms):
    ideal = requests / rate * 1000 + delay_ms
    return max(3 * ideal, ideal + 1000)


def check_args(parser, args):
    if args.requests / args.rate > 86_400:
        parser.error(f"--requests {args.requests} at --rate {args.rate:g} would arrive over "
                     "more than a day")
    if args.deadline_ms is None:
        args.deadline_ms = round(default_deadline_ms(args.requests, args.rate, args.delay_ms))
    if args.no_probe and args.probe_us is not None:
        parser.error("the argument '--probe-us <P>' cannot be used with '--no-probe'")
    args.probe_us = args.probe_us or PROBE_US
    if args.deadline_ms <= args.delay_ms:
        parser.error(f"--deadline-ms {args.deadline_ms} is not longer than the {args.delay_ms} "
                     "ms fetch: nothing could finish")


class Probe:
    """The wake probe (as crates/common/src/mixed/wake.rs): a thread outside the loop sends the
    time every period; the receiver, beside the requests, records how long after the send it
    ran. Sends still unreceived when the run ends count, late by up to the end."""

    def __init__(self, period_us):
        self.period = period_us / 1e6
        self._lock = threading.Lock()
        self._pending = collections.deque()
        self._lags_us = []
        self._ended = False

    def send_every_period(self, send):
        """Starts the sending thread: `send(time)` every period until the run ends or it
        returns False."""
        def sender():
            due = time.perf_counter() + self.period
            while True:
                time.sleep(max(0.0, due - time.perf_counter()))
                sent = time.perf_counter()
                with self._lock:
                    if self._ended:
                        return
                    self._pending.append(sent)
                if not send(sent):
                    return
                due = max(due + self.period, sent)  # skip the sends it overslept
        threading.Thread(target=sender, name="wake-probe", daemon=True).start()

    def woke(self, sent):
        now = time.perf_counter()
        with self._lock:
            if self._ended:
                return
            try:
                self._pending.remove(sent)
            except ValueError:
                pass
            self._lags_us.append(max(0, round((now - sent) * 1e6)))

    def stop(self):
        """Ends the probe now; returns the JSON line's `wake` object."""
        end = time.perf_counter()
        with self._lock:
            if not self._ended:
                self._ended = True
                self._lags_us += [max(0, round((end - s) * 1e6)) for s in self._pending]
                self._pending.clear()
            p = percentiles(self._lags_us)
        return {"p50_us": p["p50_us"], "p99_us": p["p99_us"], "max_us": p["max_us"],
                "samples": p["count"]}


class Tally:
    """The run's schedule and its finished requests (thread-safe)."""

    def __init__(self, args):
        self.args = args
        self.requests, self.rate, self.work = args.requests, args.rate, args.work
        self.start = time.monotonic()
        self.deadline = self.start + args.deadline_ms / 1000
        self.probe = None if args.no_probe else Probe(args.probe_us)
        self.wake = None  # what the probe saw, once the run is closed
        self._lock = threading.Lock()
        self._done = []
        self._closed = None  # who closed the run: "example" or "watchdog"

    def watch(self, approach, worker_threads):
        """Starts the deadline watchdog on its own thread: at the deadline (and a moment's
        grace) it closes the run unless the example has, prints the report, and exits the
        process (1 with --strict and late requests), so that a loop stuck in a count still
        ends on time."""
        def watchdog():
            time.sleep(max(0.0, self.deadline + GRACE_S - time.monotonic()))
            done = self._close_by("watchdog")
            if done is None:
                return  # the example closed it, and reports
            code = 0
            try:
                report(approach, self.args, self, done, worker_threads)
            except Exception as e:  # noqa: BLE001 - reported as common.main does
                print(f"error: {e}", file=sys.stderr)
                code = 1
            try:
                sys.stdout.flush()
            except OSError:
                code = 1
            sys.stderr.flush()
            os._exit(code)  # the loop may be mid-count: nothing else can end it
        threading.Thread(target=watchdog, name="mixed-deadline", daemon=True).start()

    def send_wakes(self, send):
        """Starts the wake probe's sending thread unless --no-probe; True if it runs."""
        if self.probe:
            self.probe.send_every_period(send)
        return self.probe is not None

    def woke(self, sent):
        """The probe's receiver runs now, for the wake sent at `sent`."""
        if self.probe:
            self.probe.woke(sent)

    def due(self, i):
        return self.start + i / self.rate

    def expired(self):
        return time.monotonic() >= self.deadline

    def numbers(self, i):
        return request_numbers(i, self.work)

    def finish(self, i, count):
        """Records that request i finished now; after the deadline it is late, not recorded."""
        at = time.monotonic()
        with self._lock:
            if not self._closed and at <= self.deadline:
                self._done.append((i, count, at))

    def close(self):
        """Ends the run: what finished so far. If the watchdog closed it first, it reports and
        exits the process, so this never returns (the report is printed once)."""
        done = self._close_by("example")
        if done is None:
            threading.Event().wait()
        return done

    def _close_by(self, closer):
        with self._lock:
            if self._closed == "watchdog" or (self._closed and closer == "watchdog"):
                return None
            first = self._closed is None
            self._closed = closer
            done = list(self._done)
        if first and self.probe:
            self.wake = self.probe.stop()
        return done


def check_served(done, requests, work):
    """Every id in 0..requests at most once, each with the right count; returns the checksum
    (the same as the Rust crates' for the same finished requests)."""
    seen = bytearray(requests)
    known = {}
    total = 0
    for i, count in done:
        if not 0 <= i < requests:
            raise RuntimeError(f"request {i} finished, outside 0..{requests}")
        if seen[i]:
            raise RuntimeError(f"request {i} finished twice")
        seen[i] = 1
        if i % OFFSETS not in known:
            known[i % OFFSETS] = common.count_primes_in(*request_numbers(i, work))
        if count != known[i % OFFSETS]:
            start, end = request_numbers(i, work)
            raise RuntimeError(f"request {i} counted {count} primes in [{start}, {end}), "
                               f"but there are {known[i % OFFSETS]}")
        total = (total + common.mix(common.mix(i) ^ count)) & common.MASK
    return total


def percentiles(latencies_us):
    """Nearest-rank percentiles, in whole microseconds."""
    values = sorted(latencies_us)

    def at(q):
        return values[max(0, math.ceil(q * len(values)) - 1)] if values else 0

    return {"count": len(values), "p50_us": at(0.50), "p90_us": at(0.90), "p99_us": at(0.99),
            "max_us": values[-1] if values else 0}


def report(approach, args, tally, done, worker_threads):
    """Checks the finished requests, prints the --json line (or a summary), and fails under
    --strict if any were late."""
    elapsed_ms = (time.monotonic() - tally.start) * 1000
    checksum = check_served(((i, c) for i, c, _ in done), args.requests, args.work)
    latency = percentiles([max(0, round((at - tally.due(i)) * 1e6)) for i, _, at in done])
    ats = [at for _, _, at in done]
    span = max(ats) - min(ats) if ats else 0
    achieved = (len(done) - 1) / span if len(done) >= 2 and span > 0 else 0.0
    late = args.requests - len(done)
    line = {
        "approach": approach, "example": "mixed",
        "params": {"threads": args.threads, "delay_ms": args.delay_ms, "variant": args.variant,
                   "requests": args.requests, "rate": args.rate, "work": args.work,
                   "deadline_ms": args.deadline_ms},
        "result": len(done), "checksum": f"{checksum:016x}", "verified": True,
        "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
        "completed": len(done), "late": late, "achieved_rate": achieved, "latency": latency,
    }
    if tally.wake is not None:
        line["wake"] = tally.wake
    if args.json:
        print(json.dumps(line, separators=(",", ":")))
    else:
        ms = {k: v / 1000 for k, v in latency.items() if k.endswith("_us")}
        print(f"{approach} mixed ({args.variant}): {len(done)} of {args.requests} requests done "
              f"at {achieved:.0f}/s offered {args.rate:g}/s, {late} late; latency p50 "
              f"{ms['p50_us']:.1f} ms, p90 {ms['p90_us']:.1f} ms, p99 {ms['p99_us']:.1f} ms, "
              f"max {ms['max_us']:.1f} ms;{wake_summary(tally.wake)} {elapsed_ms:.0f} ms wall "
              f"[checksum {checksum:016x}]")
    if args.strict and late:
        raise RuntimeError(f"{late} of {args.requests} requests were late (unfinished at the "
                           f"{args.deadline_ms} ms deadline), and --strict was given")


def wake_summary(wake):
    if wake is None:
        return ""
    return (f" wake p50 {wake['p50_us']} µs, p99 {wake['p99_us']} µs, max {wake['max_us']} µs "
            f"({wake['samples']} wakes);")
