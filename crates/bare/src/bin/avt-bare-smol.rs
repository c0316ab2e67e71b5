//! smol, bare: one sleep task per id on an `Executor` run by T threads, a Vec of `Task`s
//! awaited in order, like avt-smol's io.

use std::process::ExitCode;
use std::thread;

use anyhow::Result;
use avt_common::{Io, Outcome, Variant};
use smol::{Executor, Timer, channel};

const VARIANTS: &[Variant] =
    &[Variant { name: "executor", about: "one sleep task per id on an Executor run by T threads" }];

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let delay = avt_bare::sleep_only(args)?;
    let ex = Executor::new();
    let (stop, stopped) = channel::unbounded::<()>();
    let ids = thread::scope(|s| {
        for _ in 0..args.threads {
            s.spawn(|| smol::block_on(ex.run(stopped.recv())));
        }
        let tasks: Vec<_> = (0..args.tasks)
            .map(|id| {
                ex.spawn(async move {
                    Timer::after(delay).await;
                    id
                })
            })
            .collect();
        let ids = smol::block_on(async {
            let mut ids = Vec::with_capacity(tasks.len());
            for task in tasks {
                ids.push(task.await);
            }
            ids
        });
        drop(stop); // closing the channel ends every `ex.run`
        ids
    });
    Ok(Outcome { value: ids, worker_threads: args.threads })
}

fn main() -> ExitCode {
    avt_bare::main("bare-smol", env!("CARGO_BIN_NAME"), io, VARIANTS)
}
