use std::sync::{Arc, Mutex};

let counter = Arc::new(Mutex::new(0_u64));
let theirs = Arc::clone(&counter);
let worker = std::thread::spawn(move || *theirs.lock().unwrap() += 1);
*counter.lock().unwrap() += 1;
worker.join().unwrap();
assert_eq!(*counter.lock().unwrap(), 2);
