#!/bin/sh
# Runs every fuzz target for a bounded time (default 60 s each; FUZZ_SECONDS=n to change).
# Needs cargo-fuzz (`cargo install cargo-fuzz`). No nightly toolchain is needed:
# RUSTC_BOOTSTRAP=1 lets stable rustc take the sanitizer flags cargo-fuzz passes.
set -eu
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
    echo "== $target (${seconds} s)"
    cargo fuzz run "$target" -- -max_total_time="$seconds" -max_len=4096
done
