use std::sync::atomic::{AtomicU64, Ordering};

let counter = AtomicU64::new(0);
std::thread::scope(|s| {
    s.spawn(|| counter.fetch_add(1, Ordering::Relaxed));
    s.spawn(|| counter.fetch_add(1, Ordering::Relaxed));
});
assert_eq!(counter.into_inner(), 2);
