#!/usr/bin/env bash
# Issue 12's last goal: pongd's tick lateness with and without a room chat at 50,000
# deliveries/s (100 clients in one room, 500 messages/s) alongside N games. bench/games.sh
# with TARGETS=pongd and CHAT="0 500", runs interleaved per round (games only, then games +
# chat, same N); the summary's last lines give the change of the tick lateness p99 and window
# mean per round.
# usage: bench/games-chat.sh                     (GAMES=1000 ROUNDS=3 DURATION=40)
#        GAMES="600 1000" NICE=-15 bench/games-chat.sh
set -uo pipefail
export GAMES="${GAMES:-1000}" ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-40}" CHAT="${CHAT:-0 500}" CHAT_CLIENTS="${CHAT_CLIENTS:-100}"
export TARGETS=pongd
exec "$(dirname "$0")/games.sh"
