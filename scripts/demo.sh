#!/usr/bin/env bash
# make demo: show teehost working on this machine. Steps are added as the pieces land.
set -e
cd "$(dirname "$0")/.."
T=${BUILD:-build}/teehost
echo "== teehost"
"$T" version
