"""What the Python originals share with the Rust crates (crates/common): the URLs, the prime
count, the checks, the command line and the one-line --json report, so the harness can run
and verify them exactly like the Rust binaries. Standard library only."""

import argparse
import errno
import json
import math
import os
import sys
import threading
import time

URLS = ["http://example.com", "http://example.org", "http://example.net"]
DELAY_MS = 2000
LIMIT = 10_000_000
JOBS = 64
MAX_TASKS = 10_000_000
MAX_THREADS = 4096
MAX_DELAY_MS = 3_600_000
MAX_LIMIT = 1_000_000_000_000
MAX_JOBS = 1_000_000
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, as the Rust crates exit when the reader closes the pipe
TICK_MS = 10
MAX_TICK_MS = 60_000
KNOWN_PI = {0: 0, 1: 0, 2: 1, 10: 4, 100: 25, 1_000: 168, 10_000: 1_229, 100_000: 9_592,
            1_000_000: 78_498, 10_000_000: 664_579, 100_000_000: 5_761_455}
MASK = (1 << 64) - 1


def url(i):
    return URLS[i] if i < len(URLS) else f"http://example.com/{i + 1}"


def mix(x):
    """splitmix64's finaliser, as in crates/common/src/workload.rs."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def check_fetched(ids, tasks):
    """Every id in 0..tasks exactly once; returns the io checksum (as the Rust crates do)."""
    seen = bytearray(tasks)
    for i in ids:
        if not 0 <= i < tasks:
            raise RuntimeError(f"fetch returned id {i}, outside 0..{tasks}")
        if seen[i]:
            raise RuntimeError(f"id {i} was fetched twice")
        seen[i] = 1
    if len(ids) != tasks:
        raise RuntimeError(f"only {len(ids)} of {tasks} ids were fetched")
    total = 0
    for i in range(tasks):
        total = (total + mix(i)) & MASK
    return total


def cpu_checksum(limit, count):
    return mix(limit ^ mix(count))


def is_prime(n):
    """Trial division by 2 and the odd numbers up to the square root, as in the Rust crates."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_primes_in(start, end):
    """One job: the primes in [start, end)."""
    return sum(1 for n in range(start, end) if is_prime(n))


def split(limit, jobs):
    """[0, limit] in `jobs` ranges of equal width, as crates/common's `split`."""
    numbers = limit + 1
    return [(numbers * i // jobs, numbers * (i + 1) // jobs) for i in range(jobs)]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line and exit 2, like the Rust crates (argparse prints the usage too).
        print(f"error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def _ranged(lo, hi):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value '{text}': not a number")
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"invalid value '{text}': {value} is not in {lo}..={hi}")
        return value
    return parse


def _refuse_repeated_flags(parser, argv):
    """A flag given twice is a usage error, as in the Rust crates (argparse keeps the last)."""
    seen = set()
    for token in argv:
        if token == "--":
            break
        if token.startswith("--"):
            flag = token.split("=", 1)[0]
            if flag in seen:
                parser.error(f"the argument '{flag}' cannot be used multiple times")
            seen.add(flag)


def parse_args(description, examples, sequential=False):
    """The Rust crates' command line: `io`, `cpu`, `shared`, `mixed` and/or `cancel`, with
    the same flags and limits.

    `examples` maps each example to its variants, the right way first: `(name, about)`
    pairs, or avt_shared.Variant for `shared`."""
    parser = _Parser(description=description)
    sub = parser.add_subparsers(dest="example", required=True, parser_class=_Parser)
    for name, variants in examples.items():
        named = [(v.name, v.about) if hasattr(v, "name") else v for v in variants]
        ways = "\n".join(f"  {v:18}  {about}" for v, about in named)
        p = sub.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog=f"Variants (--variant NAME; the first is the default):\n{ways}")
        p.add_argument("--threads", type=_ranged(1, MAX_THREADS), default=None)
        p.add_argument("--json", action="store_true")
        p.add_argument("--variant", metavar="NAME", default=None)
        if name in ("io", "cpu"):  # the latency probe runs beside these two, as in Rust
            p.add_argument("--tick-ms", metavar="MS", type=_ranged(1, MAX_TICK_MS), default=None)
            p.add_argument("--no-ticker", action="store_true")
        if name == "io":
            p.add_argument("--tasks", type=_ranged(1, MAX_TASKS), default=3)
            p.add_argument("--delay-ms", type=_ranged(0, MAX_DELAY_MS), default=DELAY_MS)
            p.add_argument("--verbose", action="store_true")
        elif name == "shared":
            import avt_shared
            avt_shared.add_arguments(p)
        elif name == "mixed":
            import avt_mixed
            avt_mixed.add_arguments(p)
        elif name in ("switch", "spawn"):
            import avt_switch
            avt_switch.add_arguments(p, name)
        elif name == "cancel":
            import avt_cancel
            avt_cancel.add_arguments(p)
        else:
            p.add_argument("--limit", type=_ranged(0, MAX_LIMIT), default=LIMIT)
            p.add_argument("--jobs", type=_ranged(1, MAX_JOBS), default=JOBS)
            if sequential:
                p.add_argument("--sequential", action="store_true")
    _refuse_repeated_flags(parser, sys.argv[1:])
    args = parser.parse_args()
    if args.threads is None:
        import os
        args.threads = os.cpu_count() or 1
    if args.example == "shared":
        import avt_shared
        avt_shared.check(parser, args, examples["shared"])
        return args
    if getattr(args, "sequential", False):
        if args.variant is not None:
            parser.error("--sequential takes no --variant")
        if args.tick_ms is not None:
            parser.error("--sequential runs no ticker: drop --tick-ms")
        args.no_ticker = True
    else:
        valid = [v for v, _ in examples[args.example]]
        if args.variant is None:
            args.variant = valid[0]
        elif args.variant not in valid:
            parser.error(f"no variant '{args.variant}' for {args.example} here; valid: {', '.join(valid)}")
    if args.example == "mixed":
        import avt_mixed
        avt_mixed.check_args(parser, args)
        return args
    if args.example in ("switch", "spawn"):
        import avt_switch
        avt_switch.check(parser, args)
        return args
    if args.example == "cancel":
        import avt_cancel
        avt_cancel.check_args(parser, args)
        return args
    if args.example == "cpu" and args.jobs > args.limit + 1:
        parser.error(f"--jobs {args.jobs} is more than the {args.limit + 1} numbers in [0, {args.limit}]")
    if args.example == "io":
        args.log = (args.verbose or args.tasks <= 10) and not args.json
    if args.tick_ms is not None and args.no_ticker:
        parser.error("--tick-ms cannot be used with --no-ticker")
    return args


class Ticks:
    """The latency probe's schedule, as crates/common's `Ticker`: tick k is due at start + k ×
    period; a ticker that wakes late records every tick it missed, each with its own lag, and
    ticks still unrun when the work ends count with their lag up to then. Only the schedule
    lives here; each script sleeps and starts its ticker itself."""

    def __init__(self, period_ms):
        self.period = period_ms / 1000
        self.start = time.perf_counter()
        self.next = 1
        self.lags = []
        self.ended = threading.Event()  # set by stop(): wakes a thread ticker at once
        self._lock = threading.Lock()

    def next_due(self):
        """When the next tick is due (perf_counter seconds), or None once the run has ended."""
        with self._lock:
            return None if self.ended.is_set() else self.start + self.next * self.period

    def record(self, now):
        """The ticker woke at `now`: records every tick due by then, each with its own lag."""
        with self._lock:
            if not self.ended.is_set():
                self._record_until(now)

    def stop(self):
        """Ends the schedule now: ticks due by now that never ran count, late by up to now."""
        with self._lock:
            if not self.ended.is_set():
                self._record_until(time.perf_counter())
                self.ended.set()

    def _record_until(self, now):
        while self.start + self.next * self.period <= now:
            self.lags.append(now - (self.start + self.next * self.period))
            self.next += 1

    def report(self):
        """The JSON line's `ticker` object: nearest-rank percentiles of the lags, in µs."""
        self.stop()
        lags = sorted(self.lags)

        def at(q):
            return round(lags[max(0, math.ceil(q * len(lags)) - 1)] * 1e6) if lags else 0
        return {"period_us": round(self.period * 1e6), "ticks": len(lags),
                "p50_us": at(0.50), "p99_us": at(0.99), "max_us": at(1.0)}


def start_ticks(args):
    """The probe's schedule the flags ask for, starting now (None with --no-ticker)."""
    return None if args.no_ticker else Ticks(args.tick_ms or TICK_MS)


def report_io(approach, args, ids, elapsed_ms, worker_threads, ticks=None):
    checksum = check_fetched(ids, args.tasks)
    _report(args, {
        "approach": approach, "example": "io",
        "params": {"threads": args.threads, "tasks": args.tasks, "delay_ms": args.delay_ms,
                   "variant": args.variant},
        "result": len(ids), "checksum": f"{checksum:016x}", "verified": True,
        "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
    }, f"fetched {len(ids)} URLs ({args.delay_ms} ms wait each) in {elapsed_ms:.1f} ms", ticks)


def report_cpu(approach, args, threads, count, elapsed_ms, worker_threads, ticks=None):
    pi = KNOWN_PI.get(args.limit)
    if pi is not None and pi != count:
        raise RuntimeError(f"counted {count} primes in [0, {args.limit}], but π({args.limit}) = {pi}")
    params = {"threads": threads, "limit": args.limit, "jobs": args.jobs}
    if not getattr(args, "sequential", False):
        params["variant"] = args.variant
    _report(args, {
        "approach": approach, "example": "cpu", "params": params,
        "result": count, "checksum": f"{cpu_checksum(args.limit, count):016x}",
        "verified": pi is not None, "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
    }, f"{count} primes in [0, {args.limit}] in {elapsed_ms:.1f} ms ({args.jobs} jobs)", ticks)


def _report(args, report, human, ticks=None):
    if ticks is not None:
        report["ticker"] = ticks.report()
    if args.json:
        print(json.dumps(report, separators=(",", ":")))
        return
    line = f"{report['approach']} {report['example']}: {human} on {report['worker_threads']} threads"
    if ticks is not None:
        t = report["ticker"]
        line += (f"; ticker every {t['period_us'] / 1000:g} ms: p99 {t['p99_us'] / 1000:.1f} ms, "
                 f"max {t['max_us'] / 1000:.1f} ms late")
    print(line)


def thread_limits():
    """The limits that cap how many threads this process can start, for an error message, as
    the Rust crates name them."""
    import resource
    described = []
    soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if soft != resource.RLIM_INFINITY:
        described.append(f"ulimit -u (RLIMIT_NPROC) = {soft}")
    try:
        with open("/proc/sys/kernel/threads-max") as f:
            described.append(f"kernel.threads-max = {f.read().strip()}")
    except OSError:
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        described.append(f"ulimit -v (RLIMIT_AS) = {soft >> 20} MiB")
    return ", ".join(described) or "unknown on this OS"


def _refused_thread(e):
    """Whether `e` is the OS refusing a thread (or a process-pool worker): threading's
    "can't start new thread", or EAGAIN from fork or clone."""
    return ((isinstance(e, RuntimeError) and "can't start new thread" in str(e))
            or (isinstance(e, OSError) and e.errno == errno.EAGAIN))


def describe(e):
    """A failure as one line that names its cause."""
    if isinstance(e, MemoryError):
        return ("out of memory (MemoryError): the address-space limit (ulimit -v) or the "
                "machine's memory ran out")
    text = " ".join(str(e).split()) or type(e).__name__
    if _refused_thread(e):
        if not text.startswith("hit the OS thread limit"):
            running = f"{threading.active_count()} threads"
            children = len(sys.modules["multiprocessing"].active_children()) \
                if "multiprocessing" in sys.modules else 0
            if children:
                running += f" and {children} pool processes"
            text = (f"hit the OS thread limit: the OS refused a new thread or process ({text}) "
                    f"with {running} running")
        return f"{text}; limits here: {thread_limits()}"
    return text


def _exit(code):
    """Exits now, without waiting for threads or pool processes that could hang the exit;
    a process pool's workers are stopped first (they would outlive us, waiting for work)."""
    if "multiprocessing" in sys.modules:
        for child in sys.modules["multiprocessing"].active_children():
            child.kill()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _closed_stdout():
    """The reader closed stdout (`| head`): Python ignores SIGPIPE, so this is an exception
    here; end quietly with the status a shell reports for a program SIGPIPE stopped."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
    except OSError:
        pass
    _exit(EXIT_CLOSED_PIPE)


def _thread_excepthook(hook):
    """A thread that fails on a closed stdout ends the run quietly (a fetch that could not
    print must not count as a fetch that failed)."""
    def excepthook(args):
        if issubclass(args.exc_type, BrokenPipeError):
            _closed_stdout()
        hook(args)
    return excepthook


def fail(e):
    """Ends the run now with `e` as the one-line error and exit 1, for a failure that must
    not wait for the rest (asyncio.run would first wait for every executor thread)."""
    print(f"error: {describe(e)}", file=sys.stderr)
    _exit(1)


def main(run):
    """Runs `run()`; a failure is one line on stderr naming its cause and exit 1, never a
    traceback or a hang; a closed stdout is a quiet 141."""
    threading.excepthook = _thread_excepthook(threading.excepthook)
    try:
        run()
        sys.stdout.flush()  # a closed pipe shows here when the output was buffered
    except KeyboardInterrupt:
        _exit(130)
    except BrokenPipeError:
        _closed_stdout()
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        fail(e)
