#!/usr/bin/env bash
# Two `u2net-run serve` replicas behind nginx (deploy/nginx/nginx.conf, on free loopback ports); one is killed
# with SIGKILL mid-run and every request must still answer 200 (nginx's proxy_next_upstream). Exit 0 if so.
#   Tools/serve-failover.sh [--requests 200] [--clients 4] [--kill-after 60]
set -euo pipefail
export PATH="$PATH:/usr/sbin"
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >/dev/null
fi
Tools/fetch-weights.sh
flock /tmp/u2net-build.lock swift build -c release --product u2net-run >&2
exec flock /tmp/u2net-build.lock python3 Tools/reference/serve_failover.py --binary .build/release/u2net-run "$@"
