//! async-std, bare: one `task::spawn` of a sleep per id on the global executor, a Vec of
//! handles awaited in order, like avt-async-std's io.

use std::process::ExitCode;

use anyhow::Result;
use async_std::task;
use avt_common::{Io, Outcome, Variant};

const VARIANTS: &[Variant] =
    &[Variant { name: "spawn", about: "one task::spawn of a sleep per id, a Vec of handles" }];

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let delay = avt_bare::sleep_only(args)?;
    // SAFETY: set before the global executor (or any other thread) starts.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("ASYNC_STD_THREAD_COUNT", args.threads.to_string());
    }
    let ids = task::block_on(async {
        let handles: Vec<_> = (0..args.tasks)
            .map(|id| {
                task::spawn(async move {
                    task::sleep(delay).await;
                    id
                })
            })
            .collect();
        let mut ids = Vec::with_capacity(handles.len());
        for handle in handles {
            ids.push(handle.await);
        }
        ids
    });
    Ok(Outcome { value: ids, worker_threads: args.threads })
}

fn main() -> ExitCode {
    avt_bare::main("bare-async-std", env!("CARGO_BIN_NAME"), io, VARIANTS)
}
