#!/usr/bin/env python3
"""The article's threading examples: a thread per fetch, and the prime count split over threads.

CPython runs Python code on one thread at a time (the GIL): waiting threads overlap, but
computing threads take turns, so the cpu example gains nothing from more threads. Same flags
and --json line as the Rust crates:

    python3 scripts/python/threading_example.py io --tasks 3
    python3 scripts/python/threading_example.py cpu --limit 1000000 --threads 2
    python3 scripts/python/threading_example.py cpu --limit 1000000 --sequential

A ticker thread beside the work measures how late the interpreter runs it.
"""

import queue
import threading
import time

import avt_common as common

IO_VARIANTS = [("thread-per-fetch", "one thread per fetch; each waits in the kernel")]
CPU_VARIANTS = [("thread-workers", "T threads share a queue of jobs; the GIL lets one count at a time")]


def ticker(ticks):
    """The latency probe: a thread that wants to wake every period. CPython switches threads
    every few ms (sys.getswitchinterval()), so counting threads delay it only that long."""
    while (due := ticks.next_due()) is not None:
        ticks.ended.wait(max(0.0, due - time.perf_counter()))  # the end of the run wakes it
        ticks.record(time.perf_counter())


def with_ticker(ticks, work):
    """Runs `work()` with the ticker thread beside it, and ends and joins the ticker after."""
    probe = threading.Thread(target=ticker, args=(ticks,), name="ticker") if ticks else None
    if probe:
        probe.start()
    try:
        return work()
    finally:
        if probe:
            ticks.stop()
            probe.join()


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


def run():
    args = common.parse_args(__doc__.splitlines()[0], {"io": IO_VARIANTS, "cpu": CPU_VARIANTS},
                             sequential=True)
    ticks = common.start_ticks(args)
    start = time.perf_counter()
    if args.example == "io":
        ids = with_ticker(ticks, lambda: fetch_all(args.tasks, args.delay_ms / 1000, args.log))
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_io("python-threading", args, ids, elapsed_ms, worker_threads=len(ids),
                         ticks=ticks)
    elif args.sequential:
        count = sum(common.count_primes_in(s, e) for s, e in common.split(args.limit, args.jobs))
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_cpu("python-sequential", args, 1, count, elapsed_ms, worker_threads=1)
    else:
        ranges = common.split(args.limit, args.jobs)
        count = with_ticker(ticks, lambda: count_primes(ranges, args.threads))
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_cpu("python-threading", args, args.threads, count, elapsed_ms,
                          worker_threads=args.threads, ticks=ticks)


if __name__ == "__main__":
    common.main(run)
