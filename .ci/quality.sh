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

# shellcheck source=lib.sh
source "$ROOT/.ci/lib.sh"
require node npm java cargo

if [[ "${QUALITY_SKIP_INSTALL:-0}" != 1 ]]; then
  step "install"
  ensure_chromium
  npm_packages "$QDIR"
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
