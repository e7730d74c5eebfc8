#!/usr/bin/env bash
# ECALL round trip on the simulator against one bare trap, and an enclave compute loop against
# the same loop outside, in one run (bench/sim.c); the scan of enclave code pages against the one
# it replaced, in one run (bench/sim_scan.c).
set -eu
BUILD=${BUILD:-build}
TEEHOST=${TEEHOST:-$BUILD/teehost} BUILD=$BUILD "$BUILD/bench/sim"
"$BUILD/bench/sim_scan"
