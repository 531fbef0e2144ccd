# Medians per (server, games) over the runs of bench/games.sh .tsv files (status ok or noisy;
# setup failures and partial runs left out), with each server's range of CPU-µs per
# game-second, then the ratios pongd ÷ Node and pongd ÷ floor of those medians and, where
# runs are paired by round, the range of the per-round ratios. With chat runs (target
# "pongd+chat", CHAT in bench/games.sh): the chat's deliveries/s and p99, and the change of
# pongd's tick lateness p99 and window mean against the games-only runs of the same rounds.
# usage: awk -f bench/games-summary.awk bench/results/games-<stamp>.tsv [more .tsv]
BEGIN { FS = "\t" }
function med(s,   a, n, i, j, t, x, b) { n = split(s, a, " "); x = 0
  for (i = 1; i <= n; i++) if (a[i] != "-" && a[i] != "") b[++x] = a[i] + 0
  if (!x) return "-"
  for (i = 1; i <= x; i++) for (j = i + 1; j <= x; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
  return (x % 2) ? b[(x + 1) / 2] : (b[x / 2] + b[x / 2 + 1]) / 2 }
function rng(s,   a, n, i, lo, hi) { n = split(s, a, " "); lo = ""; hi = ""
  for (i = 1; i <= n; i++) if (a[i] != "-" && a[i] != "") { if (lo == "" || a[i] + 0 < lo) lo = a[i] + 0; if (hi == "" || a[i] + 0 > hi) hi = a[i] + 0 }
  return lo == "" ? "-" : lo "–" hi }
NR > 1 && ($28 == "ok" || $28 == "noisy") { k = $2 "\t" $3; if (!(k in seen)) { seen[k] = 1; order[m++] = k }
  cnt[k]++; for (c = 4; c <= 33; c++) v[k, c] = v[k, c] " " $c
  r = FILENAME ":" $1; per[r, $2, $3] = $10; p99[r, $2, $3] = $13; wmean[r, $2, $3] = $29; rounds[r] = 1 }
function diffs(arr, a, b, n,   r, x, lo, hi, s) { lo = ""; hi = ""; s = ""
  for (r in rounds) if (arr[r, a, n] != "" && arr[r, b, n] != "" && arr[r, a, n] != "-" && arr[r, b, n] != "-") {
    x = arr[r, a, n] - arr[r, b, n]; s = s " " x; if (lo == "" || x < lo) lo = x; if (hi == "" || x > hi) hi = x }
  return lo == "" ? "-" : sprintf("median %+.0f, per round %+.0f to %+.0f", med(s), lo, hi) }
function ratios(a, b, n,   r, x, lo, hi) { lo = ""; hi = ""
  for (r in rounds) if (per[r, a, n] != "" && per[r, b, n] != "" && per[r, b, n] > 0) {
    x = per[r, a, n] / per[r, b, n]; if (lo == "" || x < lo) lo = x; if (hi == "" || x > hi) hi = x }
  return lo == "" ? "" : sprintf(" (per round %.2f–%.2f)", lo, hi) }
END {
  print "| server | games | runs | snapshots/s (expected) | skipped | server CPU % | CPU-µs per game-second (range) | tick late p50 / p99 µs (p99 range) | pongd window mean µs | first snapshot of a tick p50 / p99 ms | delay p50 / p99 ms | KiB per game | generator CPU % | other load | chat deliveries/s / p99 ms |"
  print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for (i = 0; i < m; i++) { k = order[i]; split(k, p, "\t")
    printf "| %s | %s | %d | %s (%s) | %s | %s | %s (%s) | %s / %s (%s) | %s | %s / %s | %s / %s | %s | %s | %s | %s / %s |\n", p[1], p[2], cnt[k],
      med(v[k, 5]), med(v[k, 6]), med(v[k, 7]), med(v[k, 11]), med(v[k, 10]), rng(v[k, 10]), med(v[k, 12]), med(v[k, 13]), rng(v[k, 13]),
      med(v[k, 29]), med(v[k, 18]), med(v[k, 19]), med(v[k, 15]), med(v[k, 16]), med(v[k, 23]), med(v[k, 26]), med(v[k, 27]), med(v[k, 32]), med(v[k, 33])
    us[p[1], p[2]] = med(v[k, 10]); ns[p[2]] = 1 }
  print ""
  for (n in ns) {
    if (us["pongd", n] != "" && us["node", n] != "" && us["node", n] != "-") printf "- %s games: pongd ÷ Node CPU-µs per game-second = %.2f%s\n", n, us["pongd", n] / us["node", n], ratios("pongd", "node", n)
    if (us["pongd", n] != "" && us["floor", n] != "" && us["floor", n] != "-") printf "- %s games: pongd ÷ floor CPU-µs per game-second = %.2f%s\n", n, us["pongd", n] / us["floor", n], ratios("pongd", "floor", n)
    if (us["pongd+chat", n] != "" && us["pongd", n] != "") {
      printf "- %s games: with chat − without, tick lateness p99 (lifetime) µs: %s\n", n, diffs(p99, "pongd+chat", "pongd", n)
      printf "- %s games: with chat − without, tick lateness window mean µs: %s\n", n, diffs(wmean, "pongd+chat", "pongd", n) }
  }
}
