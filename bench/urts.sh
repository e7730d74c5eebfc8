#!/usr/bin/env bash
# libsgx_enclave_common.so.1 fed one page per call as Intel's urts feeds it, against one call
# per run through the same library in the same run (see bench/urts_pattern.c), on each driver.
set -e
b=${BUILD:-build}
export TEEHOST_LAUNCH_ENCLAVE=${TEEHOST_LAUNCH_ENCLAVE:-$(dirname "$0")/../../shared/vectors/ratel-psw/libsgx_le.signed.so}
for d in ${URTS_DRIVERS:-kernel dcap isgx}; do
	echo "-- $d"
	LD_LIBRARY_PATH=$b "$b/teehost" sim --driver "$d" --epc 1G -- "$b/bench/urts_pattern" \
		"${URTS_MIB:-32}" "${URTS_ROUNDS:-3}"
done
