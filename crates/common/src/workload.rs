//! The article's two workloads, and the checks that prove they were done.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The article's three URLs. Fetches beyond the third get numbered URLs.
pub const URLS: [&str; 3] = ["http://example.com", "http://example.org", "http://example.net"];

/// The article's simulated I/O wait: `await asyncio.sleep(2)`.
pub const DELAY: Duration = Duration::from_secs(2);

/// Default top of the prime-counting range: big enough to take measurable time.
pub const LIMIT: u64 = 10_000_000;

/// The fewest jobs the default split makes (see [`default_jobs`]).
pub const JOBS: usize = 64;

/// Jobs per worker thread in the default split (see [`default_jobs`]).
pub const JOBS_PER_THREAD: usize = 16;

/// The default number of jobs for `threads` workers counting up to `limit`:
/// max(64, 16 × threads), and no more than the limit + 1 numbers there are to split.
///
/// The jobs are of equal width and unequal cost, so scheduling shows: testing n by trial
/// division takes up to √n steps, so the top job costs about 1.5× the average one and the
/// bottom jobs almost nothing. How long threads idle at the end (the idle tail, as a share
/// of T × wall) is at most the cost of the jobs still running when the queue runs dry,
/// against the W ÷ T each thread does:
///
/// - handed out in ascending order, the last jobs are the costliest, 1.5 W ÷ J each: a tail
///   of up to 1.5 × T ÷ J (J ≥ 480 for 5% at T = 16, J ≥ 1 920 at T = 64);
/// - handed out costliest first ([`split`]'s order), the last T jobs are the T cheapest, the
///   dearest of them ≈ 1.5 × √(T ÷ J) × W ÷ J: a tail of up to 1.5 × (T ÷ J)^1.5.
///
/// With 16 jobs per thread that bound is 1.5 ÷ 64 ≈ 2.3% at any T (ascending: 9.4%); the
/// floor of 64 makes it 0.8% on 2 cores (ascending: 4.7%). The cost of more jobs is one
/// atomic increment (or one rayon split) each, microseconds against the milliseconds a job
/// of the default limit takes even at T = 64 (1 024 jobs of ~10 000 numbers).
pub fn default_jobs(threads: usize, limit: u64) -> usize {
    let jobs = JOBS.max(JOBS_PER_THREAD.saturating_mul(threads));
    // limit + 1 numbers, so at most that many non-empty jobs; u64 → usize saturates on
    // 32-bit targets.
    let numbers = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    jobs.min(numbers)
}

/// The URL of fetch number `id` (0-based).
pub fn url(id: usize) -> Cow<'static, str> {
    match URLS.get(id) {
        Some(url) => Cow::Borrowed(url),
        None => Cow::Owned(format!("http://example.com/{}", id + 1)),
    }
}

/// Checks that every id in `0..tasks` was fetched exactly once; returns the io checksum.
pub fn check_fetched(ids: &[usize], tasks: usize) -> Result<u64, String> {
    let mut seen = vec![false; tasks];
    for &id in ids {
        match seen.get_mut(id) {
            None => return Err(format!("fetch returned id {id}, outside 0..{tasks}")),
            Some(true) => return Err(format!("id {id} was fetched twice")),
            Some(slot) => *slot = true,
        }
    }
    match seen.iter().position(|&s| !s) {
        Some(missing) => {
            Err(format!("id {missing} was never fetched ({} of {tasks} were)", ids.len()))
        }
        None => Ok(io_checksum(tasks)),
    }
}

/// The checksum of a complete io run of `tasks` fetches (order-independent).
pub fn io_checksum(tasks: usize) -> u64 {
    (0..tasks as u64).fold(0, |sum, id| sum.wrapping_add(mix(id)))
}

/// The checksum of a cpu run: the count, bound to the limit it was counted to.
pub fn cpu_checksum(limit: u64, count: u64) -> u64 {
    mix(limit ^ mix(count))
}

/// splitmix64's finaliser: spreads every input bit over the output.
pub(crate) fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Trial division by 2 and the odd numbers up to √n: deliberately plain CPU work.
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// Counts the primes in `range` by trial division. This is one job of the cpu example.
pub fn count_primes_in(range: Range<u64>) -> u64 {
    range.filter(|&n| is_prime(n)).count() as u64
}

/// Splits [0, limit] into `jobs` ranges of equal width (±1) covering it once, highest first.
///
/// Equal width is not equal cost: the top ranges need the most divisions. Handing them out
/// first leaves the cheapest jobs for the end, so threads finish close together (see
/// [`default_jobs`] for the arithmetic). Callers keep `1 <= jobs <= limit + 1`, so no range
/// is empty.
pub fn split(limit: u64, jobs: usize) -> Vec<Range<u64>> {
    let numbers = u128::from(limit) + 1;
    let bound = |i: usize| (numbers * i as u128 / jobs as u128) as u64;
    (0..jobs).rev().map(|i| bound(i)..bound(i + 1)).collect()
}

/// π(x), the number of primes ≤ x, for the limits the tests and defaults use.
pub const KNOWN_PI: [(u64, u64); 11] = [
    (0, 0),
    (1, 0),
    (2, 1),
    (10, 4),
    (100, 25),
    (1_000, 168),
    (10_000, 1_229),
    (100_000, 9_592),
    (1_000_000, 78_498),
    (10_000_000, 664_579),
    (100_000_000, 5_761_455),
];

/// π(limit) when it is in [`KNOWN_PI`].
pub fn known_pi(limit: u64) -> Option<u64> {
    KNOWN_PI.iter().find(|&&(x, _)| x == limit).map(|&(_, pi)| pi)
}

/// The cpu example's jobs, handed out one at a time to whichever worker asks next.
///
/// Workers that loop on [`Jobs::work`] balance themselves: a worker that drew a costly job
/// simply takes fewer of them.
#[derive(Debug)]
pub struct Jobs {
    ranges: Vec<Range<u64>>,
    next: AtomicUsize,
}

impl Jobs {
    /// The jobs of [0, limit] split `jobs` ways.
    pub fn new(limit: u64, jobs: usize) -> Self {
        Self { ranges: split(limit, jobs), next: AtomicUsize::new(0) }
    }

    /// Every job's range, in the order they are handed out: costliest first.
    pub fn ranges(&self) -> &[Range<u64>] {
        &self.ranges
    }

    /// The next job nobody has taken yet: an atomic counter, so each job goes to exactly one
    /// worker.
    pub fn take(&self) -> Option<Range<u64>> {
        self.ranges.get(self.next.fetch_add(1, Ordering::Relaxed)).cloned()
    }

    /// One worker's loop: take jobs until none are left, and count the primes in them.
    pub fn work(&self) -> u64 {
        std::iter::from_fn(|| self.take()).map(count_primes_in).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prime_counts_match_known_pi() {
        for (x, pi) in KNOWN_PI.into_iter().filter(|&(x, _)| x <= 10_000_000) {
            assert_eq!(count_primes_in(0..x + 1), pi, "π({x})");
        }
    }

    #[test]
    fn small_numbers_are_classified() {
        let primes: Vec<u64> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert!(!is_prime(7_919 * 7_927));
        assert!(is_prime(999_999_937));
    }

    #[test]
    fn splits_cover_the_range_exactly_once_highest_first() {
        for limit in [0, 1, 2, 10, 100, 9_999, 10_000_000] {
            for jobs in [1, 7, 64, limit as usize + 1] {
                if jobs as u64 > limit + 1 {
                    continue;
                }
                let ranges = split(limit, jobs);
                assert_eq!(ranges.len(), jobs, "limit {limit}, jobs {jobs}");
                assert_eq!(ranges[0].end, limit + 1, "the top range comes first");
                assert_eq!(ranges[jobs - 1].start, 0);
                for pair in ranges.windows(2) {
                    assert_eq!(pair[1].end, pair[0].start, "gap or overlap at {pair:?}");
                }
                let widths: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
                let (min, max) = (widths.iter().min(), widths.iter().max());
                assert!(min >= Some(&1), "empty range in {ranges:?}");
                assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "unequal {widths:?}");
            }
        }
    }

    #[test]
    fn split_handles_the_largest_limit_without_overflow() {
        let ranges = split(u64::MAX - 1, 64);
        assert_eq!(ranges[0].end, u64::MAX);
    }

    #[test]
    fn default_jobs_grow_with_threads_and_fit_the_limit() {
        let cases = [(1, 64), (2, 64), (4, 64), (8, 128), (16, 256), (64, 1_024)];
        for (threads, jobs) in cases {
            assert_eq!(default_jobs(threads, LIMIT), jobs, "T = {threads}");
        }
        assert_eq!(default_jobs(16, 99), 100, "no more jobs than numbers in [0, 99]");
        assert_eq!(default_jobs(1, 0), 1);
        assert_eq!(default_jobs(usize::MAX, u64::MAX), usize::MAX);
    }

    /// The arithmetic of [`default_jobs`], checked on the real cost: count the trial divisions
    /// of every job (exact, and the same on any machine), give the jobs in the order of a
    /// shared queue to T simulated workers that each take the next job when free, and
    /// measure the idle tail: 1 − W ÷ (T × the last finish).
    #[test]
    fn costliest_first_keeps_the_idle_tail_under_five_percent() {
        fn divisions(n: u64) -> u64 {
            let mut d = 3;
            while n >= 2 && !n.is_multiple_of(2) && d * d <= n && !n.is_multiple_of(d) {
                d += 2;
            }
            d / 2
        }
        fn idle_tail(costs: impl Iterator<Item = u64>, threads: usize) -> f64 {
            let mut free_at = vec![0_u64; threads];
            let mut total = 0;
            for cost in costs {
                let first_free = free_at.iter_mut().min().expect("threads >= 1");
                *first_free += cost;
                total += cost;
            }
            let last = *free_at.iter().max().expect("threads >= 1");
            1.0 - total as f64 / (threads as u64 * last) as f64
        }
        let limit = 1_000_000;
        for threads in [2, 16, 64] {
            let jobs = split(limit, default_jobs(threads, limit));
            let costs: Vec<u64> = jobs.iter().map(|r| r.clone().map(divisions).sum()).collect();
            let first = idle_tail(costs.iter().copied(), threads);
            let ascending = idle_tail(costs.iter().rev().copied(), threads);
            assert!(first < 0.05, "T = {threads}: idle tail {:.1}%", first * 100.0);
            assert!(first < ascending, "T = {threads}: {first} vs ascending {ascending}");
        }
    }

    #[test]
    fn jobs_are_each_taken_once_and_counted() {
        let jobs = Jobs::new(100_000, 64);
        let total: u64 = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4).map(|_| s.spawn(|| jobs.work())).collect();
            workers.into_iter().map(|w| w.join().expect("worker")).sum()
        });
        assert_eq!(total, 9_592);
        assert_eq!(jobs.take(), None);
    }

    #[test]
    fn fetched_ids_are_checked() {
        assert_eq!(check_fetched(&[2, 0, 1], 3), Ok(io_checksum(3)));
        assert!(check_fetched(&[0, 1, 1], 3).unwrap_err().contains("twice"));
        assert!(check_fetched(&[0, 1], 3).unwrap_err().contains("never fetched"));
        assert!(check_fetched(&[0, 1, 3], 3).unwrap_err().contains("outside"));
        assert_ne!(io_checksum(3), io_checksum(4));
        assert_ne!(cpu_checksum(100, 25), cpu_checksum(100, 24));
    }

    #[test]
    fn urls_follow_the_article() {
        assert_eq!(url(0), "http://example.com");
        assert_eq!(url(2), "http://example.net");
        assert_eq!(url(3), "http://example.com/4");
    }
}
