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

`mixed` is the article's FAQ, asyncio and threading together: requests arrive at a steady
rate, each fetches on the loop and then counts primes (see avt_mixed.py).
"""

import asyncio
import concurrent.futures
import time
from concurrent.futures import ProcessPoolExecutor

import avt_common as common
import avt_mixed
import avt_shared
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


def run():
    args = common.parse_args(__doc__.splitlines()[0],
                             {"io": IO_VARIANTS, "cpu": CPU_VARIANTS, "shared": SHARED_VARIANTS,
                              "mixed": MIXED_VARIANTS})
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
