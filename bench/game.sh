#!/usr/bin/env bash
# Game simulation and AI benchmark: runs build/tools/gamebench (native build of src/game/game.c and
# src/game/ai.c, one thread) pinned to one core, and records its figures:
#   step_ns / steps_per_second  game_step() with two AI players' keys (pillars map, power-ups)
#   ai_observe_ns               the AI's once-per-second planning (ai_observe)
#   ai_act_ns                   the AI's per-step key choice between views (ai_act)
#   core_share_10000_games      share of one core for 10,000 concurrent AI-vs-AI games at 60 steps/s
# Each figure is the median of 5 measures of `seconds` each (gamebench computes the medians).
# Builds nothing: `make tools` (or `make bench`) builds build/tools/gamebench.
#
# usage: bench/game.sh [seconds-per-measure]    (default 1: ~15 s)
# env:   GAME_CPU=1 (core to pin to; default CLIENT_CPU)  GAMEBENCH_BIN=build/tools/gamebench
# Output: the figures on stdout; bench/results/game-<UTC stamp>.md and .tsv.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BIN="${GAMEBENCH_BIN:-$ROOT/build/tools/gamebench}"
SECS="${1:-1}"
CPU="${GAME_CPU:-$CLIENT_CPU}"
[ -x "$BIN" ] || die "$BIN not built (make tools)"
load_warning

mkdir -p "$RESULTS_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TSV="$RESULTS_DIR/game-$STAMP.tsv"
MD="$RESULTS_DIR/game-$STAMP.md"
TMP="$(mktemp -d /tmp/tbench-game.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

if command -v taskset >/dev/null && taskset -c "$CPU" true 2>/dev/null; then
  RUN=(taskset -c "$CPU" "$BIN" "$SECS"); PIN="pinned to CPU $CPU with taskset"
else
  RUN=("$BIN" "$SECS"); PIN="not pinned: no taskset, or CPU $CPU unavailable"
fi
BIN_SHA="$(sha256sum "$BIN" | cut -c1-12)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$ROOT" diff --quiet HEAD -- src/game/game.c src/game/ai.c src/game/game.h src/game/ai.h tools/gamebench.c 2>/dev/null || COMMIT="$COMMIT+changes"

log "gamebench: ${RUN[*]} ($PIN)"
busy0="$(machine_busy_ticks)"
TIMEFORMAT='%R %U %S'
{ time "${RUN[@]}" >"$TMP/out" 2>"$TMP/err"; } 2>"$TMP/time" || { cat "$TMP/err" >&2; die "gamebench failed"; }
busy1="$(machine_busy_ticks)"
read -r wall usr sys <"$TMP/time"
# CPU used by anything else on the machine during the run, in cores (gamebench's own excluded)
OTHER="$(other_load "$((busy1 - busy0))" 0 "$(awk -v u="$usr" -v s="$sys" 'BEGIN{print u + s}')" "$wall")"

val() { awk -v k="$1" '$1 == k {print $2; exit}' "$TMP/out"; }
STEP_NS="$(val step_ns)"; SPS="$(val steps_per_second)"; OBS_NS="$(val ai_observe_ns)"
ACT_NS="$(val ai_act_ns)"; SHARE="$(val core_share_10000_games)"
{ [ -n "$STEP_NS" ] && [ -n "$SHARE" ]; } || die "unexpected gamebench output: $(cat "$TMP/out")"

{
  printf 'stamp\tcommit\tbinary\tseconds\tpin\tstep_ns\tsteps_per_second\tai_observe_ns\tai_act_ns\tcore_share_10000_games_pct\tother_load\n'
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$STAMP" "$COMMIT" "$BIN_SHA" "$SECS" "$CPU" \
    "$STEP_NS" "$SPS" "$OBS_NS" "$ACT_NS" "$SHARE" "$OTHER"
} >"$TSV"

{
  echo "# Game simulation and AI ($STAMP)"
  echo
  echo "- machine: $(machine_line)"
  echo "- command: \`${RUN[*]}\`, $PIN; medians of 5 measures of ${SECS} s each"
  echo "- source: commit $COMMIT, binary sha256 $BIN_SHA"
  echo "- other load during the run: $OTHER cores (above ~0.1 the figures are suspect)"
  echo
  echo "| figure | value |"
  echo "|---|---|"
  echo "| game_step (two AI players, pillars + power-ups) | $STEP_NS ns/step ($SPS steps/s) |"
  echo "| ai_observe (planning, once per second) | $OBS_NS ns |"
  echo "| ai_act (between views, every step) | $ACT_NS ns |"
  echo "| 10,000 AI-vs-AI games at 60 steps/s | $SHARE % of one core |"
  echo
  echo '```'
  cat "$TMP/out"
  echo '```'
} >"$MD"

cat "$MD"
log "saved $MD and $TSV"
