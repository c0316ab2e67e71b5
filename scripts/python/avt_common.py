"""What the Python originals share with the Rust crates (crates/common): the URLs, the prime
count, the checks, the command line and the one-line --json report, so the harness can run
and verify them exactly like the Rust binaries. Standard library only."""

import argparse
import json
import sys

URLS = ["http://example.com", "http://example.org", "http://example.net"]
DELAY_MS = 2000
LIMIT = 10_000_000
JOBS = 64
MAX_TASKS = 10_000_000
MAX_THREADS = 4096
MAX_DELAY_MS = 3_600_000
MAX_LIMIT = 1_000_000_000_000
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


def parse_args(description, examples, sequential=False, mixed_variants=()):
    """The Rust crates' command line: `io`, `cpu` and/or `mixed` (its ways in
    `mixed_variants`, see avt_mixed.py), with the same flags and limits."""
    parser = _Parser(description=description)
    sub = parser.add_subparsers(dest="example", required=True, parser_class=_Parser)
    for name in examples:
        p = sub.add_parser(name)
        p.add_argument("--threads", type=_ranged(1, MAX_THREADS), default=None)
        p.add_argument("--json", action="store_true")
        if name == "io":
            p.add_argument("--tasks", type=_ranged(1, MAX_TASKS), default=3)
            p.add_argument("--delay-ms", type=_ranged(0, MAX_DELAY_MS), default=DELAY_MS)
            p.add_argument("--verbose", action="store_true")
        elif name == "mixed":
            import avt_mixed
            avt_mixed.add_arguments(p, mixed_variants)
        else:
            p.add_argument("--limit", type=_ranged(0, MAX_LIMIT), default=LIMIT)
            p.add_argument("--jobs", type=_ranged(1, 1 << 62), default=JOBS)
            if sequential:
                p.add_argument("--sequential", action="store_true")
    args = parser.parse_args()
    if args.threads is None:
        import os
        args.threads = os.cpu_count() or 1
    if args.example == "cpu" and args.jobs > args.limit + 1:
        parser.error(f"--jobs {args.jobs} is more than the {args.limit + 1} numbers in [0, {args.limit}]")
    if args.example == "mixed":
        import avt_mixed
        avt_mixed.check_args(parser, args)
    if args.example == "io":
        args.log = (args.verbose or args.tasks <= 10) and not args.json
    return args


def report_io(approach, args, ids, elapsed_ms, worker_threads):
    checksum = check_fetched(ids, args.tasks)
    _report(args, {
        "approach": approach, "example": "io",
        "params": {"threads": args.threads, "tasks": args.tasks, "delay_ms": args.delay_ms},
        "result": len(ids), "checksum": f"{checksum:016x}", "verified": True,
        "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
    }, f"fetched {len(ids)} URLs ({args.delay_ms} ms wait each) in {elapsed_ms:.1f} ms")


def report_cpu(approach, args, threads, count, elapsed_ms, worker_threads):
    pi = KNOWN_PI.get(args.limit)
    if pi is not None and pi != count:
        raise RuntimeError(f"counted {count} primes in [0, {args.limit}], but π({args.limit}) = {pi}")
    _report(args, {
        "approach": approach, "example": "cpu",
        "params": {"threads": threads, "limit": args.limit, "jobs": args.jobs},
        "result": count, "checksum": f"{cpu_checksum(args.limit, count):016x}",
        "verified": pi is not None, "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
    }, f"{count} primes in [0, {args.limit}] in {elapsed_ms:.1f} ms ({args.jobs} jobs)")


def _report(args, report, human):
    if args.json:
        print(json.dumps(report, separators=(",", ":")))
    else:
        print(f"{report['approach']} {report['example']}: {human} on {report['worker_threads']} threads")


def main(run):
    """Runs `run()`; a failure is one line on stderr and exit 1, never a traceback."""
    try:
        run()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
