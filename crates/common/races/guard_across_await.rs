// error: future cannot be sent between threads safely
// (`std::sync::MutexGuard<'_, u64>` is not `Send`; required by `tokio::spawn`)
use std::sync::{Arc, Mutex};

let counter = Arc::new(Mutex::new(0_u64));
let rt = tokio::runtime::Runtime::new().unwrap();
rt.block_on(async {
    let theirs = Arc::clone(&counter);
    let task = tokio::spawn(async move {
        let mut guard = theirs.lock().unwrap();
        let seen = *guard;
        tokio::task::yield_now().await; // the guard is held across this .await
        *guard = seen + 1;
    });
    task.await.unwrap();
});
