# Shared by the .ci scripts that need a browser: messages, and the installs a fresh
# machine lacks (Debian's chromium, pinned npm packages). Sourced, never run.

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

require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
  done
}

# Debian's chromium at /usr/bin/chromium (never a downloaded browser).
ensure_chromium() {
  export DEBIAN_FRONTEND=noninteractive
  if [[ -x /usr/bin/chromium ]]; then
    echo "chromium: already installed"
  else
    [[ $(id -u) -eq 0 ]] || die "Chromium is missing and installing it needs root: apt-get install -y chromium"
    apt_retry update -q || die "apt-get update failed"
    apt_retry install -y -q chromium || die "apt-get install chromium failed"
  fi
  [[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is still missing after the install"
}

# The pinned npm packages of a test folder. --ignore-scripts: none of them needs an install
# script, none may fetch a browser, and vnu-jar's would download a Java runtime.
npm_packages() {
  (cd "$1" && npm ci --ignore-scripts --no-audit --no-fund) || die "npm ci in $1 failed"
}
