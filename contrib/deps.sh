#!/usr/bin/env bash
# contrib/deps.sh — install the Debian packages tenantcorefs needs to build,
# run and test, when any is missing. Sourced or run by contrib/demo,
# contrib/run-tests and .ci/run. Needs root (or sudo) only if something is
# missing.
set -euo pipefail

TCFS_PACKAGES=(
    gcc make cmake pkg-config git ca-certificates
    libfuse3-dev fuse3 libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev
    curl jq rsync tar procps util-linux psmisc
    valgrind clang libclang-rt-14-dev bind9utils openssl attr python3
    man-db groff-base bsdextrautils systemd dpkg-dev strace nginx
    prometheus prometheus-node-exporter gdb lintian
)

missing=()
for p in "${TCFS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "deps: installing ${missing[*]}" >&2
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ ! -e /dev/fuse ]]; then
    echo "deps: /dev/fuse is missing: this machine cannot mount FUSE filesystems" >&2
    exit 1
fi
