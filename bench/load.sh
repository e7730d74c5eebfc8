#!/usr/bin/env bash
# Enclave load throughput under the simulator vs the measure throughput of the same plan, in
# the same run, for each driver the simulator plays (see bench/load.c). isgx needs Intel's
# launch enclave for its EINITTOKEN: TEEHOST_LAUNCH_ENCLAVE, else the one in the shared vectors.
set -e
b=${BUILD:-build}
le=${TEEHOST_LAUNCH_ENCLAVE:-${VECTORS:-$(dirname "$0")/../../shared/vectors}/ratel-psw/libsgx_le.signed.so}
for d in ${LOAD_DRIVERS:-kernel dcap isgx}; do
	if [ "$d" = isgx ] && [ ! -r "$le" ]; then
		echo "load (isgx driver): skipped, no launch enclave at $le (set TEEHOST_LAUNCH_ENCLAVE)"
		continue
	fi
	TEEHOST_LAUNCH_ENCLAVE=$le "$b/teehost" sim --driver "$d" --epc 1G -- "$b/bench/load" \
		"${LOAD_MIB:-64}" "${LOAD_ROUNDS:-5}" "$d"
done
