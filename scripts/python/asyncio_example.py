#!/usr/bin/env python3
"""The article's asyncio example: fetch N URLs concurrently on one event loop.

One thread, one event loop: every fetch is a coroutine that awaits `asyncio.sleep`, and
`asyncio.gather` runs them all at once. Same flags and --json line as the Rust crates:

    python3 scripts/python/asyncio_example.py io --tasks 3
"""

import asyncio
import time

import avt_common as common


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


def run():
    args = common.parse_args(__doc__.splitlines()[0], ["io"])
    start = time.perf_counter()
    ids = asyncio.run(fetch_all(args.tasks, args.delay_ms / 1000, args.log))
    elapsed_ms = (time.perf_counter() - start) * 1000
    common.report_io("python-asyncio", args, ids, elapsed_ms, worker_threads=1)


if __name__ == "__main__":
    common.main(run)
