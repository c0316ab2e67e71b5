#!/usr/bin/env python3
"""The article's asyncio example: fetch N URLs concurrently on one event loop.

One thread, one event loop: every fetch is a coroutine that awaits `asyncio.sleep`, and
`asyncio.gather` runs them all at once. Same flags and --json line as the Rust crates:

    python3 scripts/python/asyncio_example.py io --tasks 3
    python3 scripts/python/asyncio_example.py shared --variant forced-race
"""

import asyncio
import time

import avt_common as common
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


def run():
    args = common.parse_args(__doc__.splitlines()[0], ["io", "shared"],
                             shared_variants=SHARED_VARIANTS)
    start = time.perf_counter()
    if args.example == "shared":
        total = asyncio.run(count_shared(args.variant, args.workers, args.increments))
        elapsed_ms = (time.perf_counter() - start) * 1000
        avt_shared.report("python-asyncio", args, total, elapsed_ms, worker_threads=1)
        return
    ids = asyncio.run(fetch_all(args.tasks, args.delay_ms / 1000, args.log))
    elapsed_ms = (time.perf_counter() - start) * 1000
    common.report_io("python-asyncio", args, ids, elapsed_ms, worker_threads=1)


if __name__ == "__main__":
    common.main(run)
