#!/usr/bin/env bash
# End-to-end test of `lede serve`'s live reload in headless Debian Chromium (issue 5):
# edit a page and its text appears without a manual reload; edit the CSS and the style
# changes without a reload; a broken save shows the error overlay. See tests/e2e/reload.mjs.
#
# Runs on a fresh Debian machine as root (CI=true, no stdin) with Rust and Node 20 + npm:
# installs Debian's Chromium if it is missing and the pinned playwright-core, builds the
# release binary, then runs the test. Never downloads a browser.
# Last line: `e2e: N passed, M failed`; exits 0 only if M = 0.
#
#   bash .ci/e2e.sh                        everything
#   E2E_SKIP_INSTALL=1 bash .ci/e2e.sh     skip apt/npm (already installed)
set -euo pipefail
cd "$(dirname "$0")/.."
E2E=$PWD/tests/e2e
export DEBIAN_FRONTEND=noninteractive

summary_printed=0
finish() {
  local rc=$?
  # Whatever failed before the test could count anything still ends with the summary line.
  if [[ $rc -ne 0 && $summary_printed -eq 0 ]]; then
    echo "e2e: 0 passed, 1 failed"
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# apt-get, retried while another process holds the dpkg/apt locks.
apt_retry() {
  local i
  for i in $(seq 1 30); do
    if apt-get -o DPkg::Lock::Timeout=60 "$@"; then return 0; fi
    echo "apt-get $1 failed (attempt $i/30); retrying in 10 s (dpkg may be locked by another install)" >&2
    sleep 10
  done
  return 1
}

command -v node >/dev/null || die "node is not installed (Node 20+ is needed)"
command -v npm >/dev/null || die "npm is not installed"
command -v cargo >/dev/null || die "cargo is not installed"

if [[ "${E2E_SKIP_INSTALL:-0}" != 1 ]]; then
  step "install"
  if [[ -x /usr/bin/chromium ]]; then
    echo "chromium: already installed"
  else
    [[ $(id -u) -eq 0 ]] || die "Chromium is missing and installing it needs root: apt-get install -y chromium"
    apt_retry update -q || die "apt-get update failed"
    apt_retry install -y -q chromium || die "apt-get install chromium failed"
  fi
  [[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is still missing after the install"
  # --ignore-scripts: playwright-core needs no install script, and none may fetch a browser.
  (cd "$E2E" && npm ci --ignore-scripts --no-audit --no-fund) || die "npm ci in tests/e2e failed"
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
echo "node: $(node --version)"

step "build"
cargo build --release -q || die "cargo build --release failed"

step "test"
summary_printed=1 # reload.mjs always ends with the summary line
node "$E2E/reload.mjs" --lede target/release/lede --chromium /usr/bin/chromium
