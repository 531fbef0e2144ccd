#!/usr/bin/env bash
# `make bench`: builds the load generator, then runs the HTTP and WSS benchmarks and the
# game simulation/AI benchmark (build/tools/gamebench, built by `make bench`).
# Results: bench/results/ (git-ignored); figures worth keeping go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/build.sh
bench/http.sh
bench/ws.sh
bench/game.sh
bench/users.sh
bench/login-load.sh
