#!/usr/bin/env bash
# The many-core measurements of docs/scaling.md (results/sample/16-cores/), re-run from release
# binaries on a machine that has no Rust toolchain: the cpu sweep to T = 16 (and 32), and io at
# 100 000 and 1 000 000 tasks in flight.
#
#   scripts/run-16-cores.sh pack [FILE]   here, in the checkout: build the release binaries and
#                                         pack what the run needs (default target/16-cores.tar.gz)
#   ./run-16-cores.sh run [--check]       there, in the unpacked folder: run the measurements
#                                         (about 4 minutes on 16 cores); results in results/;
#                                         --check: one small run of each, in seconds
#
# Copy the results back and commit them as results/sample/16-cores/ (the files' names say
# which command wrote them). Each result names the machine it ran on and the commit the
# binaries were built at (packed in COMMIT: that machine has no git checkout).
set -euo pipefail

case "${1:-}" in
pack)
    root=$(cd "$(dirname "$0")/.." && pwd)
    file=$(realpath -m "${2:-$root/target/16-cores.tar.gz}")
    cd "$root"
    cargo build --release --workspace --bins
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/16-cores/bin" "$stage/16-cores/scripts"
    find target/release -maxdepth 1 -type f -executable -name 'avt-*' \
        -exec cp {} "$stage/16-cores/bin/" \;
    # Debug line tables are for backtraces here; they only make the copy bigger.
    strip --strip-debug "$stage"/16-cores/bin/* 2>/dev/null || true
    cp -r scripts/python "$stage/16-cores/scripts/"
    cp Cargo.lock "$stage/16-cores/"
    cp scripts/run-16-cores.sh "$stage/16-cores/"
    commit=$(git rev-parse --short=12 HEAD)
    [ -z "$(git status --porcelain --untracked-files=no)" ] || commit="$commit (with changes)"
    echo "$commit" >"$stage/16-cores/COMMIT"
    tar -czf "$file" -C "$stage" 16-cores
    echo "packed $file ($(du -h "$file" | cut -f1), commit $commit)"
    echo "there: tar -xzf 16-cores.tar.gz && cd 16-cores && ./run-16-cores.sh run"
    ;;
run)
    shift
    cd "$(dirname "$0")"
    [ -x bin/avt-harness ] || { echo "run-16-cores.sh: no bin/avt-harness here: unpack the archive of 'pack' and run it from its folder" >&2; exit 2; }
    AVT_GIT_COMMIT=$(cat COMMIT)
    export AVT_GIT_COMMIT
    harness=(bin/avt-harness)
    cpu=(--cpu-threads 1,2,4,8,12,16,32 --runs 3)
    io=(--tasks 100000,1000000 --runs 3)
    if [ "${1:-}" = --check ]; then
        cpu=(--cpu-threads 1,2 --runs 1 --no-python)
        io=(--tasks 1000 --runs 1)
    elif [ -n "${1:-}" ]; then
        echo "run-16-cores.sh: run takes only --check; got '$1'" >&2
        exit 2
    fi
    cores=$(nproc)
    [ "$cores" -ge 16 ] || echo "run-16-cores.sh: note: this machine has $cores CPUs, not 16; the sweep still goes to T = 32" >&2
    "${harness[@]}" sweep --bin-dir bin --out results --examples cpu "${cpu[@]}"
    mv results/sweep.json results/sweep-cpu.json
    mv results/sweep.md results/sweep-cpu.md
    mv results/sweep.csv results/sweep-cpu.csv
    "${harness[@]}" sweep --bin-dir bin --out results --examples io --only tokio,async-std,smol \
        --no-python "${io[@]}"
    mv results/sweep.json results/sweep-io.json
    mv results/sweep.md results/sweep-io.md
    mv results/sweep.csv results/sweep-io.csv
    echo "results in $(pwd)/results (commit $AVT_GIT_COMMIT, $cores CPUs)"
    ;;
*)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
