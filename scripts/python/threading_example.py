#!/usr/bin/env python3
"""The article's threading examples: a thread per fetch, and the prime count split over threads.

CPython runs Python code on one thread at a time (the GIL): waiting threads overlap, but
computing threads take turns, so the cpu example gains nothing from more threads. Same flags
and --json line as the Rust crates:

    python3 scripts/python/threading_example.py io --tasks 3
    python3 scripts/python/threading_example.py cpu --limit 1000000 --threads 2
    python3 scripts/python/threading_example.py cpu --limit 1000000 --sequential
    python3 scripts/python/threading_example.py shared --variant forced-race
    python3 scripts/python/threading_example.py mixed
    python3 scripts/python/threading_example.py cancel

A ticker thread beside the work measures how late the interpreter runs it.
`mixed`: requests arrive at a steady rate, and each gets a thread that fetches and then counts
its primes (see avt_mixed.py). `cancel`: N fetches under one deadline; a thread cannot be
stopped, so what it leaves running is its result (see avt_cancel.py).
"""

import queue
import socket
import threading
import time

import avt_cancel
import avt_common as common
import avt_mixed
import avt_shared
from avt_shared import Variant

SHARED_VARIANTS = [
    Variant("mutex", "with threading.Lock(): counter += 1 (the right way)"),
    Variant("plain", "a bare counter += 1, no lock: reports what is measured, lost updates "
            "included (often none on CPython 3.11, but nothing promises it)", may_lose=True),
    Variant("forced-race", "FORCED RACE: read, time.sleep(0), write: another thread runs "
            "between the read and the write, and updates are lost", may_lose=True),
    Variant("forced-race-locked", "the forced race's fix: the same read, sleep, write "
            "under threading.Lock"),
]

counter = 0
lock = threading.Lock()

IO_VARIANTS = [("thread-per-fetch", "one thread per fetch; each waits in the kernel")]
MIXED_VARIANTS = [("thread-per-request", "a thread per request fetches, then counts; the GIL "
                                         "lets one count at a time")]
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


def add_locked(increments):
    """mutex: the lock makes the read, the add and the write one step for every other thread."""
    global counter
    for _ in range(increments):
        with lock:
            counter += 1


def add_plain(increments):
    """plain: the article's unsynchronised counter. The GIL runs one thread at a time, but
    `counter += 1` is a read, an add and a write, and nothing promises no switch between them."""
    global counter
    for _ in range(increments):
        counter += 1


def add_forced_race(increments):
    """forced-race (a race shown on purpose, not the plain +=): a switch point between the
    read and the write, so another thread's updates in between are overwritten."""
    global counter
    for _ in range(increments):
        seen = counter
        time.sleep(0)  # lets another thread run here, as a real read-then-write may
        counter = seen + 1


def add_forced_race_locked(increments):
    """forced-race-locked: the same read, switch and write, held under the lock."""
    global counter
    for _ in range(increments):
        with lock:
            seen = counter
            time.sleep(0)  # other threads run, but wait at the lock
            counter = seen + 1


ADD = {"mutex": add_locked, "plain": add_plain, "forced-race": add_forced_race,
       "forced-race-locked": add_forced_race_locked}


def count_shared(variant, workers, increments):
    """W threads, each adding 1 to the shared counter M times the `variant` way."""
    threads = [threading.Thread(target=ADD[variant], args=(increments,)) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counter


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


CANCEL_VARIANTS = [
    ("daemon", "a daemon thread per fetch, results until the deadline: Python cannot stop a "
               "thread, so the slow ones run on (a non-daemon one would also hold the exit)"),
]


def cancel_fetch(i, args, fetches):
    """One fetch on its own thread, with the gauge raised while it runs."""
    with fetches.started() as running:
        delay = avt_cancel.delay_s(args, i)
        if args.source == "sleep":
            time.sleep(delay)
            return running.end(i)
        with socket.create_connection(args.server, timeout=delay + 10) as conn:
            conn.sendall(avt_cancel.request(args.server, i, delay))
            chunks = []
            while chunk := conn.recv(65536):  # to the end: the server closes after its answer
                chunks.append(chunk)
        return running.end(avt_cancel.check_response(b"".join(chunks), i))


def fetch_daemon(deadline, tasks, fetch):
    """A daemon thread per fetch; the results that arrive by the deadline. Python has no way
    to stop a thread from outside, so the slow ones are left running. As daemons they die
    with the process when it exits; a non-daemon thread would hold the exit instead (the
    interpreter joins every non-daemon thread before it exits), until its fetch ends."""
    results = queue.SimpleQueue()

    def one(i):
        try:
            results.put(fetch(i))
        except OSError as e:
            results.put(e)

    for i in range(tasks):
        # One thread per fetch, so that they all wait at once.
        threading.Thread(target=one, args=(i,), daemon=True).start()
    done = []
    while len(done) < tasks and (left := deadline - time.monotonic()) > 0:
        try:
            done.append(results.get(timeout=left))
        except queue.Empty:
            break
    return done


def cancel(args):
    fetches = avt_cancel.Fetches(args)
    results = fetch_daemon(fetches.deadline, args.tasks, lambda i: cancel_fetch(i, args, fetches))
    watch = avt_cancel.Watch(args, fetches)
    # Threads cannot be stopped: what stays is this way's measured result, not a failure.
    ids, checksum = avt_cancel.kept_ids(args, results, stops=False)
    while not watch.step():
        time.sleep(0.001)
    avt_cancel.report("python-threading", args, fetches, watch, ids, checksum,
                      worker_threads=args.tasks, stops=False)


def run():
    args = common.parse_args(__doc__.splitlines()[0],
                             {"io": IO_VARIANTS, "cpu": CPU_VARIANTS, "shared": SHARED_VARIANTS,
                              "mixed": MIXED_VARIANTS, "cancel": CANCEL_VARIANTS},
                             sequential=True)
    if args.example == "cancel":
        cancel(args)
        return
    if args.example == "mixed":
        tally = avt_mixed.Tally(args)
        started = serve(tally, args.delay_ms / 1000)
        avt_mixed.report("python-threading", args, tally, tally.close(), worker_threads=started)
        return
    if args.example == "shared":
        start = time.perf_counter()
        total = count_shared(args.variant, args.workers, args.increments)
        elapsed_ms = (time.perf_counter() - start) * 1000
        avt_shared.report("python-threading", args, total, elapsed_ms, worker_threads=args.workers)
        return
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
