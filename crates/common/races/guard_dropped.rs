use std::sync::{Arc, Mutex};

let counter = Arc::new(Mutex::new(0_u64));
let rt = tokio::runtime::Runtime::new().unwrap();
rt.block_on(async {
    let theirs = Arc::clone(&counter);
    let task = tokio::spawn(async move {
        *theirs.lock().unwrap() += 1; // the guard is dropped at the end of this statement
        tokio::task::yield_now().await;
    });
    task.await.unwrap();
});
assert_eq!(*counter.lock().unwrap(), 1);
