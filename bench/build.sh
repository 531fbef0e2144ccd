#!/usr/bin/env bash
# Builds the benchmark tools into build/bench/ (git-ignored).
# Needs: gcc, pkg-config, libssl-dev (scripts/deps.sh build set).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
CC="${CC:-cc}"
for tool in broadcast games floor-server; do
  [ -f "bench/$tool.c" ] || continue
  srcs=("bench/$tool.c")
  case $tool in broadcast|games) srcs+=(bench/wsclient.c) ;; esac # the shared WSS client transport
  # shellcheck disable=SC2046
  "$CC" -O2 -g -Wall -Wextra -std=gnu11 -o "build/bench/$tool" "${srcs[@]}" \
    $(pkg-config --cflags --libs openssl)
  echo "built build/bench/$tool"
done
