#!/usr/bin/env bash
# The build's include rules that -I paths cannot enforce (docs/architecture.md, "Layers"):
#  - no #include walks out of its folder with ".." or names an absolute path: each folder
#    sees other folders only through the -I paths the Makefile gives it (USES_<folder>);
#  - src/game/ is pure (it also builds for wasm32 with no libc): it includes only
#    <stdint.h>, <stdbool.h>, <stddef.h> and its own headers.
# Usage: scripts/check-includes.sh [ROOT]   (default: the repository). Exit 1 on a violation.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
bad=0
while IFS= read -r hit; do
  echo "check-includes: $hit: an #include may not use '..' or an absolute path" >&2; bad=1
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](/|[^">]*\.\.)' \
           --include='*.c' --include='*.h' src tests/unit fuzz tools wasm bench 2>/dev/null)
if [ -d src/game ]; then
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; rest=${rest#*:}
    hdr=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]+)[">].*/\1/p' <<<"$rest")
    case "$hdr" in
      stdint.h|stdbool.h|stddef.h) ;;
      *) if [[ "$rest" == *'"'* && -f "src/game/$hdr" ]]; then :; else
           echo "check-includes: $file: src/game/ may include only <stdint.h>, <stdbool.h>, <stddef.h> and its own headers, not $hdr" >&2; bad=1; fi ;;
    esac
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include' src/game)
fi
exit $bad
