#!/usr/bin/env bash
# Installs what the project needs on Debian 12, and nothing that is already there.
# Debian packages through apt-get, JavaScript packages through npm (package-lock.json).
# Usage: scripts/deps.sh [build|test|bench|security]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-build}"

pkgs=(make gcc pkg-config curl openssl ca-certificates
      libwebsockets-dev libssl-dev libjansson-dev zlib1g-dev libsqlite3-dev libpq-dev
      libsodium-dev libjwt-dev libvips-dev liboath-dev libcurl4-openssl-dev
      clang lld
      nodejs npm)
case "$what" in
  test)  pkgs+=(libclang-rt-14-dev libcmocka-dev chromium postgresql python3-aiosmtpd) ;;
  bench) pkgs+=(wrk procps) ;;
  security) pkgs+=(testssl.sh sqlmap iproute2) ;;   # make security: the scanners, ip (a loopback-only netns)
  build) ;;
  *) echo "deps.sh: unknown set '$what' (build, test, bench or security)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    # node and npm may come from elsewhere than Debian's packages: accept them if present.
    if { [ "$p" = nodejs ] && command -v node >/dev/null; } || { [ "$p" = npm ] && command -v npm >/dev/null; }; then
      continue
    fi
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: reinstall when the lock file is newer than the installed tree.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: installing npm packages (npm ci)"
  SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error
fi
