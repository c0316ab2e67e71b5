#!/usr/bin/env python3
"""The article's threading examples: a thread per fetch, and the prime count split over threads.

CPython runs Python code on one thread at a time (the GIL): waiting threads overlap, but
computing threads take turns, so the cpu example gains nothing from more threads. Same flags
and --json line as the Rust crates:

    python3 scripts/python/threading_example.py io --tasks 3
    python3 scripts/python/threading_example.py cpu --limit 1000000 --threads 2
    python3 scripts/python/threading_example.py cpu --limit 1000000 --sequential
    python3 scripts/python/threading_example.py mixed

`mixed`: requests arrive at a steady rate, and each gets a thread that fetches and then counts
its primes (see avt_mixed.py).
"""

import queue
import threading
import time

import avt_common as common
import avt_mixed

MIXED_VARIANTS = [("thread-per-request", "a thread per request fetches, then counts; the GIL "
                                         "lets one count at a time")]


def fetch_data(i, delay, log, results):
    """The article's `fetch_data`: one simulated fetch, blocking its thread while it waits."""
    url = common.url(i)
    if log:
        print(f"Fetching data from {url}")
    time.sleep(delay)
    if log:
        print(f"Data fetched from {url}")
    results.append(i)  # list.append is atomic in CPython


def fetch_all(tasks, delay, log):
    """One thread per fetch; at the OS thread limit, stop, join the started ones, and fail."""
    results, threads = [], []
    for i in range(tasks):
        thread = threading.Thread(target=fetch_data, args=(i, delay, log, results))
        try:
            thread.start()
        except RuntimeError as e:  # "can't start new thread"
            for t in threads:
                t.join()
            raise RuntimeError(f"hit the OS thread limit: started {len(threads)} of {tasks} "
                               f"threads ({e}), and they all ran to the end") from None
        threads.append(thread)
    for t in threads:
        t.join()
    return results


def count_primes(ranges, threads):
    """T worker threads, each taking the next job from a shared queue until none are left."""
    jobs = queue.SimpleQueue()
    for r in ranges:
        jobs.put(r)
    counts = []

    def worker():
        total = 0
        while True:
            try:
                start, end = jobs.get_nowait()
            except queue.Empty:
                break
            total += common.count_primes_in(start, end)
        counts.append(total)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts)


def handle_request(i, tally, delay):
    """One request on its own thread: fetch, then count its primes."""
    time.sleep(delay)  # the fetch
    if tally.expired():
        return  # late anyway: don't spend CPU on it
    tally.finish(i, common.count_primes_in(*tally.numbers(i)))


def serve(tally, delay):
    """A thread per request at its due time; waits for them all, or the deadline."""
    threads = []
    for i in range(tally.requests):
        # Open loop: each request arrives at its due time, whether or not earlier ones are done.
        time.sleep(max(0.0, tally.due(i) - time.monotonic()))
        if tally.expired():
            break
        # A daemon thread: one still running at the deadline is late, and must not keep the
        # process alive after the report.
        thread = threading.Thread(target=handle_request, args=(i, tally, delay), daemon=True)
        thread.start()
        threads.append(thread)
    for t in threads:
        t.join(timeout=max(0.0, tally.deadline - time.monotonic()))
    return len(threads)


def run():
    args = common.parse_args(__doc__.splitlines()[0], ["io", "cpu", "mixed"], sequential=True,
                             mixed_variants=MIXED_VARIANTS)
    start = time.perf_counter()
    if args.example == "mixed":
        tally = avt_mixed.Tally(args)
        started = serve(tally, args.delay_ms / 1000)
        avt_mixed.report("python-threading", args, tally, tally.close(), worker_threads=started)
    elif args.example == "io":
        ids = fetch_all(args.tasks, args.delay_ms / 1000, args.log)
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_io("python-threading", args, ids, elapsed_ms, worker_threads=len(ids))
    elif args.sequential:
        count = sum(common.count_primes_in(s, e) for s, e in common.split(args.limit, args.jobs))
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_cpu("python-sequential", args, 1, count, elapsed_ms, worker_threads=1)
    else:
        count = count_primes(common.split(args.limit, args.jobs), args.threads)
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_cpu("python-threading", args, args.threads, count, elapsed_ms,
                          worker_threads=args.threads)


if __name__ == "__main__":
    common.main(run)
