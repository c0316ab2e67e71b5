#!/usr/bin/env python3
"""The article's asyncio example: fetch N URLs concurrently on one event loop.

One thread, one event loop: every fetch is a coroutine that awaits `asyncio.sleep`, and
`asyncio.gather` runs them all at once. Same flags and --json line as the Rust crates:

    python3 scripts/python/asyncio_example.py io --tasks 3
    python3 scripts/python/asyncio_example.py mixed --variant to-thread

`mixed` is the article's FAQ, asyncio and threading together: requests arrive at a steady
rate, each fetches on the loop and then counts primes (see avt_mixed.py).
"""

import asyncio
import time
from concurrent.futures import ProcessPoolExecutor

import avt_common as common
import avt_mixed


async def fetch_data(i, delay, log):
    """The article's `fetch_data`: one simulated fetch."""
    url = common.url(i)
    if log:
        print(f"Fetching data from {url}")
    await asyncio.sleep(delay)
    if log:
        print(f"Data fetched from {url}")
    return i


async def fetch_all(tasks, delay, log):
    # gather wraps every coroutine in a task, so all of them wait at the same time.
    return await asyncio.gather(*(fetch_data(i, delay, log) for i in range(tasks)))


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
    args = common.parse_args(__doc__.splitlines()[0], ["io", "mixed"],
                             mixed_variants=MIXED_VARIANTS)
    if args.example == "mixed":
        tally, done, threads = asyncio.run(mixed(args))
        avt_mixed.report("python-asyncio", args, tally, done, worker_threads=threads)
        return
    start = time.perf_counter()
    ids = asyncio.run(fetch_all(args.tasks, args.delay_ms / 1000, args.log))
    elapsed_ms = (time.perf_counter() - start) * 1000
    common.report_io("python-asyncio", args, ids, elapsed_ms, worker_threads=1)


if __name__ == "__main__":
    common.main(run)
