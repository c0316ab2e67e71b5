"""The shared-state example's command line, check and report for the Python originals (as
crates/common/src/shared.rs is for the Rust crates): W workers each add 1 to one counter M
times, and the total should be W × M. Standard library only.

Unlike a Rust run, a Python race variant may lose updates: that is what it shows, so the
count of lost updates (W × M − total) is its result, reported as `lost`, and it exits 0.
The fixed forms must lose none; one that does fails with exit 1."""

import avt_common as common

INCREMENTS = 100_000  # per worker: about a second of the threading default (threading.Lock)
MAX_WORKERS = 10_000
MAX_INCREMENTS = 10_000_000_000


class Variant:
    def __init__(self, name, about, may_lose=False):
        self.name, self.about, self.may_lose = name, about, may_lose


def add_arguments(parser):
    """The `shared` subcommand's own flags (--variant and --threads are common)."""
    parser.add_argument("--workers", type=common._ranged(1, MAX_WORKERS), default=None)
    parser.add_argument("--increments", type=common._ranged(1, MAX_INCREMENTS), default=INCREMENTS)


def check(parser, args, variants):
    """Fills in the defaults (4 × T workers, the first variant), or exits 2 with one line."""
    if args.workers is None:
        args.workers = min(4 * args.threads, MAX_WORKERS)
    names = [v.name for v in variants]
    if args.variant is None:
        args.variant = names[0]
    if args.variant not in names:
        parser.error(f"no variant '{args.variant}' for shared here; valid: {', '.join(names)}")
    args.shared_variant = variants[names.index(args.variant)]


def report(approach, args, total, elapsed_ms, worker_threads):
    """Checks the total and prints the report; `lost` is W × M − total."""
    expected = args.workers * args.increments
    lost = expected - total
    if lost != 0 and not args.shared_variant.may_lose:
        raise RuntimeError(f"the counter reached {total} but {args.workers} workers × "
                           f"{args.increments} increments is {expected}: {lost} updates lost")
    rate = expected / max(elapsed_ms / 1000, 1e-9)
    common._report(args, {
        "approach": approach, "example": "shared",
        "params": {"threads": args.threads, "variant": args.variant,
                   "workers": args.workers, "increments": args.increments},
        "result": total, "checksum": f"{common.cpu_checksum(expected, total):016x}",
        "verified": lost == 0, "elapsed_ms": elapsed_ms, "worker_threads": worker_threads,
        "increments_per_s": rate, "lost": lost,
    }, f"({args.variant}) {args.workers} workers × {args.increments} increments = "
       f"{total} in {elapsed_ms:.1f} ms ({rate:.0f} increments/s), {lost} updates lost")
