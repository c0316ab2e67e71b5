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
    python3 scripts/python/threading_example.py switch --via pipe
    python3 scripts/python/threading_example.py spawn --units 1000
    python3 scripts/python/threading_example.py cancel

A ticker thread beside the work measures how late the interpreter runs it.
`switch`: K threads in a ring pass one token through queue.Queue (or a socket pair per hop);
`spawn`: N threads that only record their first run (see avt_switch.py).
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
import avt_switch
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
SWITCH_VARIANTS = [("threads", "one thread per member (the OS's default stack), blocking in "
                                "queue.Queue.get or a socket's recv with the GIL released")]
SPAWN_VARIANTS = [("threads", "one thread per unit, all alive at once behind a threading.Barrier")]


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


def wake_probe(tally, woken):
    """The wake probe, beside the requests: a thread puts the time into this queue every
    period, and this thread records how long after the put it got to run (the GIL's switch
    interval, when others count)."""
    while True:
        tally.woke(woken.get())


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


def pass_on(inbox, next):
    """A member of the ring: passes the token on, one more, until the None that closes it."""
    while True:
        token = inbox.get()  # blocks this thread, with the GIL released: the wait
        next.put(None if token is None else token + 1)  # wakes the next thread: the wake
        if token is None:
            return


def lead(inbox, next, clock):
    """The ring's first member: starts the token and times each lap as it comes back."""
    token = 0
    while clock.next_lap():
        next.put(token + 1)
        token = inbox.get()
    next.put(None)  # closes the ring: each member passes it on and ends
    return clock.finish(token)


def recv_token(sock):
    """The next token from a socket, or None when the member before has closed its end."""
    data = sock.recv(8, socket.MSG_WAITALL)  # blocks this thread, the GIL released
    return int.from_bytes(data, "little") if len(data) == 8 else None


def pass_on_pipe(inbox, next):
    """A member of the pipe ring: reads the token, writes it one more, until EOF."""
    while (token := recv_token(inbox)) is not None:
        next.sendall((token + 1).to_bytes(8, "little"))
    next.close()  # the next member sees EOF and ends in turn


def lead_pipe(inbox, next, clock):
    """The pipe ring's first member: starts the token and times each lap."""
    token = 0
    while clock.next_lap():
        next.sendall((token + 1).to_bytes(8, "little"))
        token = recv_token(inbox)
    next.close()
    return clock.finish(token)


def start_all(threads, wanted):
    """Starts every thread; at the OS thread limit, fails naming it."""
    for started, thread in enumerate(threads):
        try:
            thread.start()
        except RuntimeError as e:  # "can't start new thread"
            raise RuntimeError(f"hit the OS thread limit: started {started} of {wanted} "
                               f"threads ({e})") from None


def switch(args):
    """K - 1 threads and this one in a ring, over queues (maxsize 1: one token in flight) or
    a socket pair per hop."""
    if args.via == "channel":
        members = avt_switch.ring(args.workers, lambda: (queue.Queue(1),) * 2)
        member, first = pass_on, lead
    else:
        members = avt_switch.ring(args.workers, socket.socketpair)
        member, first = pass_on_pipe, lead_pipe
    # One thread per member: each blocks on its own inbox. Daemon threads: at the OS thread
    # limit the started ones wait for a token that never comes, and must not keep the
    # process from exiting with the error.
    threads = [threading.Thread(target=member, args=m, daemon=True) for m in members[1:]]
    start_all(threads, args.workers)
    clock = first(*members[0], avt_switch.Clock(args.laps))  # this thread is member 0
    for t in threads:
        t.join()
    return clock


def spawn(args):
    """N threads; each records its first run, then waits with the others at two barriers."""
    alive, go = threading.Barrier(args.units + 1), threading.Barrier(args.units + 1)

    def unit_body(unit):
        unit.ran()
        try:
            alive.wait()
            go.wait()
        except threading.BrokenBarrierError:
            pass  # the spawner hit the thread limit and let everyone go

    clock = avt_switch.SpawnClock(args.units)
    threads = []
    for i in range(args.units):
        thread = threading.Thread(target=unit_body, args=(clock.unit(i),))
        try:
            thread.start()
        except RuntimeError as e:  # "can't start new thread": release the started ones
            alive.abort()
            go.abort()
            raise RuntimeError(f"hit the OS thread limit: started {i} of {args.units} "
                               f"threads ({e})") from None
        threads.append(thread)
    clock.spawned()
    alive.wait()  # every thread has run and is blocked at the barrier
    clock.all_alive()
    go.wait()
    for t in threads:
        t.join()
    return clock
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
                              "mixed": MIXED_VARIANTS, "switch": SWITCH_VARIANTS,
                              "spawn": SPAWN_VARIANTS, "cancel": CANCEL_VARIANTS},
                             sequential=True)
    if args.example in ("switch", "spawn"):
        start = time.perf_counter()
        clock = (switch if args.example == "switch" else spawn)(args)
        elapsed_ms = (time.perf_counter() - start) * 1000
        report = avt_switch.report_switch if args.example == "switch" else avt_switch.report_spawn
        report("python-threading", args, clock, elapsed_ms,
               worker_threads=getattr(args, "workers", None) or args.units)
        return
    if args.example == "cancel":
        cancel(args)
        return
    if args.example == "mixed":
        tally = avt_mixed.Tally(args)
        tally.watch("python-threading", args.requests)  # ends the run, should a join not
        woken = queue.Queue()
        if tally.send_wakes(lambda sent: woken.put(sent) or True):
            threading.Thread(target=wake_probe, args=(tally, woken), daemon=True).start()
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
