#!/usr/bin/env bash
# `lede deploy` against a real S3-protocol server: installs s3s-fs (an S3 server over a
# folder, from crates.io) if it is missing, then runs the S3 tests of
# tests/integration/deploy.rs, which start it on 127.0.0.1 themselves. In a plain
# `cargo test` those tests are reported as ignored; here they must run and pass, and a
# missing server fails them.
#
#   bash .ci/deploy.sh                       install if needed, run the S3 tests
#   LEDE_S3_SERVER=/path/to/s3s-fs bash .ci/deploy.sh   use that binary
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

# 0.14.1: the newest s3s-fs that builds with Rust 1.95 (0.17 needs 1.96).
S3S_VERSION=0.14.1
S3S_ROOT=${S3S_ROOT:-$HOME/.cache/lede-s3s-fs-$S3S_VERSION}

step "S3 server (s3s-fs $S3S_VERSION)"
if [[ -z "${LEDE_S3_SERVER:-}" ]]; then
  LEDE_S3_SERVER=$S3S_ROOT/bin/s3s-fs
  if [[ -x $LEDE_S3_SERVER ]]; then
    echo "s3s-fs: already installed at $LEDE_S3_SERVER"
  else
    started=$SECONDS
    cargo install "s3s-fs@$S3S_VERSION" --features binary --locked --root "$S3S_ROOT" \
      || die "cargo install s3s-fs failed"
    echo "s3s-fs: installed in $((SECONDS - started)) s"
  fi
fi
[[ -x $LEDE_S3_SERVER ]] || die "no s3s-fs at $LEDE_S3_SERVER"
export LEDE_S3_SERVER

step "lede deploy against s3s-fs"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --test integration deploy::s3 -- --ignored 2>&1 | tee "$log"
# The filter must have matched: a run of no test is a failure, not a pass.
grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$log" || die "no S3 deploy test ran"
