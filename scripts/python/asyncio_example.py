#!/usr/bin/env python3
"""The article's asyncio example: fetch N URLs concurrently on one event loop, and count primes off it.

One thread, one event loop: every fetch is a coroutine that awaits `asyncio.sleep`, and
`asyncio.gather` runs them all at once. A ticker coroutine on the same loop measures how late
the loop runs it. The cpu example sends each job to a thread with `asyncio.to_thread`, so the
loop stays free (the GIL still gives no speedup). Same flags and --json line as the Rust crates:

    python3 scripts/python/asyncio_example.py io --tasks 3
    python3 scripts/python/asyncio_example.py cpu --limit 1000000 --threads 2
    python3 scripts/python/asyncio_example.py cpu --limit 1000000 --variant cpu-inline
    python3 scripts/python/asyncio_example.py shared --variant forced-race
    python3 scripts/python/asyncio_example.py mixed --variant to-thread
    python3 scripts/python/asyncio_example.py switch --via pipe
    python3 scripts/python/asyncio_example.py spawn --units 1000
    python3 scripts/python/asyncio_example.py cancel --variant detached

`mixed` is the article's FAQ, asyncio and threading together: requests arrive at a steady
rate, each fetches on the loop and then counts primes (see avt_mixed.py).
`switch`: K tasks in a ring pass one token through asyncio.Queue (or a socket pair per hop,
as asyncio streams); `spawn`: N tasks that only record their first run (see avt_switch.py).
`cancel`: N fetches under one deadline, and what the deadline leaves running (see
avt_cancel.py).
"""

import asyncio
import concurrent.futures
import socket
import time
from concurrent.futures import ProcessPoolExecutor

import avt_cancel
import avt_common as common
import avt_mixed
import avt_shared
import avt_switch
from avt_shared import Variant

SHARED_VARIANTS = [
    Variant("plain", "counter += 1, then await: no await between the read and the write "
            "(the right way)"),
    Variant("forced-race", "FORCED RACE: read, await asyncio.sleep(0), write: another task "
            "runs at the await, and updates are lost on one thread", may_lose=True),
    Variant("forced-race-locked", "the forced race's fix: the same read, await, write "
            "under asyncio.Lock"),
]

counter = 0

SWITCH_VARIANTS = [("event-loop", "K tasks on one event loop: every hop is a task switch, "
                                  "awaiting asyncio.Queue.get or a stream's readexactly")]
SPAWN_VARIANTS = [("event-loop", "N tasks on one event loop, all alive at once behind an "
                                 "asyncio.Barrier; none runs before the spawner awaits")]

IO_VARIANTS = [
    ("gather", "one coroutine per fetch, all awaited at once with asyncio.gather"),
    ("blocking-sleep", "mistake: time.sleep in the coroutine blocks the loop: N × delay, ticker stalls"),
]
CPU_VARIANTS = [
    ("to-thread", "asyncio.to_thread per job on T threads: the loop stays free, the GIL gives no speedup"),
    ("cpu-inline", "mistake: a coroutine per job counts on the loop: the ticker waits for the whole run"),
]


async def ticker(ticks):
    """The latency probe: a coroutine on the same loop that wants to wake every period; it
    runs only when the coroutine before it awaits."""
    while (due := ticks.next_due()) is not None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        ticks.record(time.perf_counter())


async def fetch_data(i, delay, log):
    """The article's `fetch_data`: one simulated fetch."""
    url = common.url(i)
    if log:
        print(f"Fetching data from {url}")
    await asyncio.sleep(delay)
    if log:
        print(f"Data fetched from {url}")
    return i


async def fetch_data_blocking(i, delay, log):
    """`blocking-sleep`, the mistake: time.sleep blocks the one thread the loop runs on, so the
    fetches wait one after another (N × delay) and the ticker with them."""
    url = common.url(i)
    if log:
        print(f"Fetching data from {url}")
    time.sleep(delay)
    if log:
        print(f"Data fetched from {url}")
    return i


async def fetch_all(fetch, tasks, delay, log):
    # gather wraps every coroutine in a task, so all of them wait at the same time.
    return await asyncio.gather(*(fetch(i, delay, log) for i in range(tasks)))


async def count_primes(ranges, threads):
    """Each job on a thread of the loop's executor (T threads), so the loop stays free."""
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=threads))
    try:
        counts = await asyncio.gather(*(asyncio.to_thread(common.count_primes_in, s, e)
                                        for s, e in ranges))
    except RuntimeError as e:  # "can't start new thread": don't wait for the running jobs
        common.fail(e)
    return sum(counts)


async def count_job(start, end):
    return common.count_primes_in(start, end)


async def count_primes_inline(ranges):
    """`cpu-inline`, the mistake: a coroutine per job counts on the loop; it never awaits, so
    nothing else on the loop, the ticker included, runs until the counting is done."""
    return sum(await asyncio.gather(*(count_job(s, e) for s, e in ranges)))


async def with_ticker(ticks, work):
    """Runs `work` with the ticker coroutine beside it on this loop, and ends the ticker after."""
    probe = asyncio.create_task(ticker(ticks)) if ticks else None
    result = await work
    if probe:
        ticks.stop()
        probe.cancel()
    return result


async def add_plain(increments):
    """plain: one task runs at a time and switches only at an await, so a read and a write
    with no await between them are one step for every other task."""
    global counter
    for _ in range(increments):
        counter += 1
        await asyncio.sleep(0)  # the switch point, after the write: other tasks run here


async def add_forced_race(increments, lock):
    """forced-race (a race shown on purpose): an await between the read and the write, so
    the other tasks' updates made there are overwritten. One thread, and still a race."""
    global counter
    for _ in range(increments):
        seen = counter
        await asyncio.sleep(0)
        counter = seen + 1


async def add_forced_race_locked(increments, lock):
    """forced-race-locked: the same read, await and write, held under an asyncio.Lock."""
    global counter
    for _ in range(increments):
        async with lock:
            seen = counter
            await asyncio.sleep(0)  # other tasks run, but wait at the lock
            counter = seen + 1


async def count_shared(variant, workers, increments):
    """W tasks on one event loop, each adding 1 to the shared counter M times."""
    lock = asyncio.Lock()
    if variant == "plain":
        work = [add_plain(increments) for _ in range(workers)]
    elif variant == "forced-race":
        work = [add_forced_race(increments, lock) for _ in range(workers)]
    else:
        work = [add_forced_race_locked(increments, lock) for _ in range(workers)]
    await asyncio.gather(*work)
    return counter


# The ways to run the mixed example, the right way first.
MIXED_VARIANTS = [
    ("to-thread", "fetch on the loop, count with asyncio.to_thread, T at a time: the loop "
                  "stays free, but the GIL lets only one thread count at once"),
    ("cpu-inline", "count on the event loop itself: while it counts, no timer fires and no "
                   "fetch starts"),
    ("process-pool", "count in a ProcessPoolExecutor of T processes, past the GIL (peak RSS "
                     "and threads then cover the parent process only)"),
]


async def handle_request(i, tally, delay, count):
    """One request: fetch on the loop, then count its primes the way `count` does."""
    await fetch_data(i, delay, False)
    if tally.expired():
        return  # late anyway: don't spend CPU on it
    tally.finish(i, await count(*tally.numbers(i)))


def wake_probe(tally, sent):
    """The wake probe, beside the requests: a thread outside the loop schedules this callback
    with call_soon_threadsafe every period, and it records how long after the send the loop
    ran it. A count on the loop delays it as it delays every other callback."""
    tally.woke(sent)


async def serve(tally, delay, count):
    tasks = []
    for i in range(tally.requests):
        # Open loop: each request arrives at its due time, whether or not earlier ones are done.
        await asyncio.sleep(max(0.0, tally.due(i) - time.monotonic()))
        tasks.append(asyncio.create_task(handle_request(i, tally, delay, count)))
    await asyncio.gather(*tasks)


async def mixed(args):
    threads = args.threads
    if args.variant == "to-thread":
        cpu = asyncio.Semaphore(threads)  # T counts at a time, as the Rust crates

        async def count(start, end):
            async with cpu:
                # A worker thread counts, so the loop stays free; the GIL still lets only
                # one thread run Python code at a time.
                return await asyncio.to_thread(common.count_primes_in, start, end)
    elif args.variant == "process-pool":
        loop = asyncio.get_running_loop()
        pool = ProcessPoolExecutor(max_workers=threads)
        # Start the T processes before the clock does.
        await asyncio.gather(*(loop.run_in_executor(pool, common.count_primes_in, 0, 1)
                               for _ in range(threads)))

        async def count(start, end):
            return await loop.run_in_executor(pool, common.count_primes_in, start, end)
    else:
        threads = 1

        async def count(start, end):
            # Mistake: the loop itself counts, and nothing else runs until it is done.
            return common.count_primes_in(start, end)

    tally = avt_mixed.Tally(args)
    # A count on the loop cannot be interrupted: a watchdog thread ends the run at the deadline.
    tally.watch("python-asyncio", threads)
    loop = asyncio.get_running_loop()

    def send(sent):
        try:
            loop.call_soon_threadsafe(wake_probe, tally, sent)
        except RuntimeError:
            return False  # the loop is closed: the run is over
        return True
    tally.send_wakes(send)
    try:
        # At the deadline wait_for cancels the requests still running (asyncio.run cancels
        # any left over when it returns).
        left = max(0.0, tally.deadline - time.monotonic())
        await asyncio.wait_for(serve(tally, args.delay_ms / 1000, count), timeout=left)
    except asyncio.TimeoutError:
        pass
    done = tally.close()
    if args.variant == "process-pool":
        pool.shutdown(wait=False, cancel_futures=True)
    return tally, done, threads


async def pass_on(inbox, next):
    """A member of the ring: passes the token on, one more, until the None that closes it."""
    while True:
        token = await inbox.get()  # parks this task, back to the loop: the wait
        await next.put(None if token is None else token + 1)  # wakes the next task: the wake
        if token is None:
            return


async def lead(inbox, next, clock):
    """The ring's first member: starts the token and times each lap as it comes back."""
    token = 0
    while clock.next_lap():
        await next.put(token + 1)
        token = await inbox.get()
    await next.put(None)  # closes the ring: each member passes it on and ends
    return clock.finish(token)


async def pass_on_pipe(inbox, next):
    """A member of the pipe ring: reads the token, writes it one more, until EOF."""
    try:
        while True:
            # The read waits for readiness on the loop's selector (epoll): the task parks.
            token = int.from_bytes(await inbox.readexactly(8), "little")
            next.write((token + 1).to_bytes(8, "little"))
            await next.drain()
    except asyncio.IncompleteReadError:
        pass  # the member before has closed its end
    next.close()  # the next member sees EOF and ends in turn


async def lead_pipe(inbox, next, clock):
    """The pipe ring's first member: starts the token and times each lap."""
    token = 0
    while clock.next_lap():
        next.write((token + 1).to_bytes(8, "little"))
        await next.drain()
        token = int.from_bytes(await inbox.readexactly(8), "little")
    next.close()
    return clock.finish(token)


async def stream_link(held):
    """One hop of the pipe ring: a socket pair, as an asyncio writer and reader. The other
    halves are kept in `held`: a StreamWriter that is garbage-collected closes its socket."""
    a, b = socket.socketpair()
    unused_reader, writer = await asyncio.open_unix_connection(sock=a)
    reader, unused_writer = await asyncio.open_unix_connection(sock=b)
    held.append((unused_reader, unused_writer))
    return writer, reader


async def switch(args):
    """K tasks in a ring on this loop, over queues (maxsize 1: one token in flight) or a
    socket pair per hop."""
    if args.via == "channel":
        members = avt_switch.ring(args.workers, lambda: (asyncio.Queue(1),) * 2)
        member, first = pass_on, lead
    else:
        held = []
        links = [await stream_link(held) for _ in range(args.workers)]
        members = avt_switch.ring(args.workers, iter(links).__next__)
        member, first = pass_on_pipe, lead_pipe
    # One task per member: each waits on its own inbox, on the one thread.
    tasks = [asyncio.create_task(member(*m)) for m in members[1:]]
    clock = await asyncio.create_task(first(*members[0], avt_switch.Clock(args.laps)))
    await asyncio.gather(*tasks)
    return clock


async def spawn(args):
    """N tasks; each records its first run, then waits with the others at two barriers."""
    alive, go = asyncio.Barrier(args.units + 1), asyncio.Barrier(args.units + 1)

    async def unit_body(unit):
        unit.ran()
        await alive.wait()
        await go.wait()

    clock = avt_switch.SpawnClock(args.units)
    tasks = [asyncio.create_task(unit_body(clock.unit(i))) for i in range(args.units)]
    clock.spawned()
    await alive.wait()  # every task has run and is parked at the barrier
    clock.all_alive()
    await go.wait()
    await asyncio.gather(*tasks)
    return clock
# The ways to run the cancel example, the right way first.
CANCEL_VARIANTS = [
    ("timeout", "asyncio.timeout around a TaskGroup: at the deadline the group cancels every "
                "task still running and waits for them (wait_for does the same on older Pythons)"),
    ("detached", "mistake: create_task and asyncio.wait(timeout=...): wait does not cancel "
                 "what is pending, so the slow tasks run on to their end"),
]


async def cancel_fetch(i, args, fetches):
    """One fetch with the gauge raised while it runs; a cancelled one leaves at its await."""
    with fetches.started() as running:
        delay = avt_cancel.delay_s(args, i)
        if args.source == "sleep":
            await asyncio.sleep(delay)
            return running.end(i)
        reader, writer = await asyncio.open_connection(*args.server)
        try:
            writer.write(avt_cancel.request(args.server, i, delay))
            await writer.drain()
            response = await reader.read()  # to the end: the server closes after its answer
        finally:
            writer.close()  # also when cancelled: the socket closes with the task
        return running.end(avt_cancel.check_response(response, i))


async def keep(fetch, i, done):
    try:
        done.append(await fetch(i))
    except OSError as e:
        done.append(e)


async def fetch_until(deadline, tasks, fetch):
    """The right way: every fetch a task in a TaskGroup, under one timeout for the batch. At the
    deadline the timeout cancels the group's body, and the group cancels every task still
    running and waits until each has left its await (closing its socket)."""
    done = []
    try:
        async with asyncio.timeout_at(deadline):
            async with asyncio.TaskGroup() as group:
                for i in range(tasks):
                    group.create_task(keep(fetch, i, done))
    except TimeoutError:
        pass
    return done, None


async def fetch_detached(deadline, tasks, fetch):
    """`detached`, the mistake: asyncio.wait with a timeout returns at the deadline but does
    not cancel the tasks still pending: they run on, holding their sockets."""
    done = []
    pending = [asyncio.create_task(keep(fetch, i, done)) for i in range(tasks)]
    await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
    # The loop holds only weak references to tasks: keep them, or they could vanish mid-run.
    return list(done), pending


async def cancel(args):
    fetches = avt_cancel.Fetches(args)
    ways = {"timeout": fetch_until, "detached": fetch_detached}
    results, left = await ways[args.variant](fetches.deadline, args.tasks,
                                             lambda i: cancel_fetch(i, args, fetches))
    watch = avt_cancel.Watch(args, fetches)
    stops = args.variant == "timeout"
    ids, checksum = avt_cancel.kept_ids(args, results, stops)
    while not watch.step():
        await asyncio.sleep(0.001)  # on the loop, so that tasks left running go on running
    del left  # asyncio.run cancels what is still running when it returns
    avt_cancel.report("python-asyncio", args, fetches, watch, ids, checksum, 1, stops)


def run():
    args = common.parse_args(__doc__.splitlines()[0],
                             {"io": IO_VARIANTS, "cpu": CPU_VARIANTS, "shared": SHARED_VARIANTS,
                              "mixed": MIXED_VARIANTS, "switch": SWITCH_VARIANTS,
                              "spawn": SPAWN_VARIANTS, "cancel": CANCEL_VARIANTS})
    if args.example in ("switch", "spawn"):
        start = time.perf_counter()
        clock = asyncio.run((switch if args.example == "switch" else spawn)(args))
        elapsed_ms = (time.perf_counter() - start) * 1000
        report = avt_switch.report_switch if args.example == "switch" else avt_switch.report_spawn
        report("python-asyncio", args, clock, elapsed_ms, worker_threads=1)
        return
    if args.example == "cancel":
        asyncio.run(cancel(args))
        return
    if args.example == "mixed":
        tally, done, threads = asyncio.run(mixed(args))
        avt_mixed.report("python-asyncio", args, tally, done, worker_threads=threads)
        return
    if args.example == "shared":
        start = time.perf_counter()
        total = asyncio.run(count_shared(args.variant, args.workers, args.increments))
        elapsed_ms = (time.perf_counter() - start) * 1000
        avt_shared.report("python-asyncio", args, total, elapsed_ms, worker_threads=1)
        return
    ticks = common.start_ticks(args)
    start = time.perf_counter()
    if args.example == "io":
        fetch = fetch_data_blocking if args.variant == "blocking-sleep" else fetch_data
        work = fetch_all(fetch, args.tasks, args.delay_ms / 1000, args.log)
        ids = asyncio.run(with_ticker(ticks, work))
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_io("python-asyncio", args, ids, elapsed_ms, worker_threads=1, ticks=ticks)
    else:
        ranges = common.split(args.limit, args.jobs)
        inline = args.variant == "cpu-inline"
        work = count_primes_inline(ranges) if inline else count_primes(ranges, args.threads)
        count = asyncio.run(with_ticker(ticks, work))
        elapsed_ms = (time.perf_counter() - start) * 1000
        common.report_cpu("python-asyncio", args, args.threads, count, elapsed_ms,
                          worker_threads=1 if inline else args.threads, ticks=ticks)


if __name__ == "__main__":
    common.main(run)
