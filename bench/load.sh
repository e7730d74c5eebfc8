#!/usr/bin/env bash
# Enclave load throughput under the simulator vs the measure throughput of the same plan, in
# the same run, for each driver the simulator plays (see bench/load.c).
set -e
b=${BUILD:-build}
for d in ${LOAD_DRIVERS:-kernel dcap}; do
	"$b/teehost" sim --driver "$d" --epc 1G -- "$b/bench/load" "${LOAD_MIB:-64}" \
		"${LOAD_ROUNDS:-5}" "$d"
done
