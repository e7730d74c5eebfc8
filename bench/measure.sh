#!/usr/bin/env bash
# MRENCLAVE throughput vs OpenSSL SHA-256 on the same data (see bench/measure.c).
set -e
"${BUILD:-build}/bench/measure" "${MEASURE_MIB:-256}" "${MEASURE_ROUNDS:-7}"
