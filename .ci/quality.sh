#!/usr/bin/env bash
# HTML quality gates for the generated site: Nu HTML Checker, axe-core at 375 px and
# 1280 px, and the 60 KB per-page size budget. See tests/quality/run.mjs.
#
# Runs on a fresh Debian machine as root (CI=true, no stdin) with Rust, Node 20 + npm and
# Java 17: installs Debian's Chromium if it is missing and the pinned npm packages, builds
# the site into a temporary folder, self-tests the gates on fixtures, then checks every page.
# Never downloads a browser. Last line: `quality: N passed, M failed`; exits 0 only if M = 0.
#
#   bash .ci/quality.sh                 everything
#   QUALITY_SKIP_INSTALL=1 bash .ci/quality.sh   skip apt/npm (already installed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QDIR=$ROOT/tests/quality
export DEBIAN_FRONTEND=noninteractive

summary_printed=0
tmp=""
cleanup() {
  local rc=$?
  if [[ -n "$tmp" && -d "$tmp" ]]; then rm -rf -- "$tmp"; fi
  # Whatever failed before the gates could count anything still ends with the summary line.
  if [[ $rc -ne 0 && $summary_printed -eq 0 ]]; then
    echo "quality: 0 passed, 1 failed"
  fi
  exit "$rc"
}
trap cleanup EXIT
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
command -v java >/dev/null || die "java is not installed (Java 17+ is needed for the Nu HTML Checker)"
command -v cargo >/dev/null || die "cargo is not installed"

if [[ "${QUALITY_SKIP_INSTALL:-0}" != 1 ]]; then
  step "install"
  if [[ -x /usr/bin/chromium ]]; then
    echo "chromium: already installed"
  else
    [[ $(id -u) -eq 0 ]] || die "Chromium is missing and installing it needs root: apt-get install -y chromium"
    apt_retry update -q || die "apt-get update failed"
    apt_retry install -y -q chromium || die "apt-get install chromium failed"
  fi
  [[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is still missing after the install"
  # --ignore-scripts: none of the pinned packages needs an install script, and vnu-jar's
  # would try to download a Java runtime from outside the package registries.
  if [[ -f "$QDIR/package-lock.json" ]]; then
    (cd "$QDIR" && npm ci --ignore-scripts --no-audit --no-fund) || die "npm ci in tests/quality failed"
  else
    (cd "$QDIR" && npm install --ignore-scripts --no-audit --no-fund) || die "npm install in tests/quality failed"
  fi
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
echo "java: $(java -version 2>&1 | head -n 1)"
echo "node: $(node --version)"

step "build the site"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lede-quality.XXXXXX")
site=$tmp/site # must not exist yet: lede builds beside it and swaps it in
cargo run --release -q -- build --output-dir "$site" || die "the site did not build"
[[ -d "$site" ]] || die "the build wrote nothing to $site"

step "self-test the gates"
node "$QDIR/run.mjs" --self-test || die "the gates' self-test failed; their verdicts on the site would mean nothing"

step "check the site"
summary_printed=1 # run.mjs always ends with the summary line
node "$QDIR/run.mjs" --site "$site"
