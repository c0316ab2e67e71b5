//! tokio, bare: one `sleep` task per id on a multi-thread runtime, awaited through a
//! `JoinSet` like avt-tokio's io (`--variant vec`: a `Vec<JoinHandle>` awaited in order).

use std::process::ExitCode;

use anyhow::Result;
use avt_common::{Io, Outcome, Variant};
use tokio::task::JoinSet;
use tokio::time::sleep;

const VARIANTS: &[Variant] = &[
    Variant { name: "join-set", about: "one sleep task per id, awaited through a JoinSet" },
    Variant { name: "vec", about: "one sleep task per id, a Vec<JoinHandle> awaited in order" },
];

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let delay = avt_bare::sleep_only(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()?;
    let ids = rt.block_on(async {
        let fetch = move |id| async move {
            sleep(delay).await;
            id
        };
        if args.variant == "vec" {
            let handles: Vec<_> = (0..args.tasks).map(|id| tokio::spawn(fetch(id))).collect();
            let mut ids = Vec::with_capacity(handles.len());
            for handle in handles {
                ids.push(handle.await?);
            }
            anyhow::Ok(ids)
        } else {
            let mut set = JoinSet::new();
            for id in 0..args.tasks {
                set.spawn(fetch(id));
            }
            Ok(set.join_all().await)
        }
    })?;
    Ok(Outcome { value: ids, worker_threads: rt.metrics().num_workers() })
}

fn main() -> ExitCode {
    avt_bare::main("bare-tokio", env!("CARGO_BIN_NAME"), io, VARIANTS)
}
