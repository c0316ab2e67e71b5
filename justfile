# async-vs-threads: the article's two examples on five approaches, timed the same way.
# `just` alone lists the recipes. Every recipe is one plain cargo command underneath.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes
default:
    @just --list --unsorted

# Build the release binaries, run and time every approach × example, print the comparison
run-all *args:
    cargo run --release -p avt-harness -- run-all {{ args }}

# Measure how each approach scales: io by tasks in flight, cpu by threads; charts in results/ (~10 min)
sweep *args:
    cargo run --release -p avt-harness -- sweep {{ args }}

# The mixed example under load: p99 latency and achieved rate from 10% to 120% of capacity; charts in results/ (~11 min on 2 cores)
load *args:
    cargo run --release -p avt-harness -- load {{ args }}

# Run one approach's example: `just run tokio io --tasks 10000` (crates: std tokio async-std smol rayon)
run crate example *args:
    cargo run --release -p avt-{{ if crate == "std-threads" { "std" } else { crate } }} -- {{ example }} {{ args }}

# Run the test suite (the README's test command)
test:
    cargo test --workspace

# Check formatting and lints, as CI does
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI checks: lints, tests, and a quick run-all of the release build
ci:
    .ci/run
