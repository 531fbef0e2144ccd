#!/usr/bin/env bash
# Builds the benchmark tools into build/bench/ (git-ignored).
# Needs: gcc, pkg-config, libssl-dev (scripts/deps.sh build set).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
CC="${CC:-cc}"
# shellcheck disable=SC2046
"$CC" -O2 -g -Wall -Wextra -std=gnu11 -o build/bench/broadcast bench/broadcast.c \
  $(pkg-config --cflags --libs openssl)
echo "built build/bench/broadcast"
