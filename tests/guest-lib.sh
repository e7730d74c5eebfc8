# Helpers shared by the simulated-guest and attestation tests (tests/cli/sim_snp.sh, sim_tdx.sh,
# sim_tsm.sh, attest.sh), sourced after tests/lib.sh: one copy, so the scripts skip and check
# alike. It lives outside tests/cli so that tests/run.sh does not run it as a test.

# skip_without_seccomp_notify NAME: when the last `run` of a simulated guest failed for want of
# seccomp user notification, one SKIP for NAME and the script ends (the rest needs it)
skip_without_seccomp_notify() {
	if [ "$rc" -ne 0 ] && grep -q "seccomp" <<<"$err"; then
		skip "$1" "no seccomp user notification here: $err"
		done_testing
		exit
	fi
}

# guest_sim_smoke FLAG DESC CODE: sim FLAG runs a program (DESC; else the script is skipped as
# above) and passes PROGRAM's exit status CODE through
guest_sim_smoke() {
	run "$TEEHOST" sim "$1" -- /bin/true
	skip_without_seccomp_notify "sim $1"
	is "$rc" 0 "$2"
	run "$TEEHOST" sim "$1" -- /bin/sh -c "exit $3"
	is "$rc" "$3" "PROGRAM's exit status is sim's"
}

# intel_root_pem OUT: a self-signed certificate named Intel SGX Root CA that carries Intel's real
# root public key (from Intel's DCAP QvE, qve.cpp INTEL_ROOT_PUB_KEY), to show that nothing the
# simulator issues verifies under it; sets $intel_key (that key, uncompressed point, hex)
intel_root_pem() {
	intel_key=040ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f567918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394
	printf '3059301306072a8648ce3d020106082a8648ce3d030107034200%s' "$intel_key" | xxd -r -p |
		openssl pkey -pubin -inform DER -out "$TMP/intel.pub"
	openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/k.pem" 2>/dev/null
	openssl x509 -new -key "$TMP/k.pem" -force_pubkey "$TMP/intel.pub" -days 1 \
		-subj "/CN=Intel SGX Root CA/O=Intel Corporation/L=Santa Clara/ST=CA/C=US" -out "$1"
}

# tamper QUOTE OFFSET: QUOTE with bit 0 of byte OFFSET flipped, into $TMP/t.bin
tamper() {
	python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[int(sys.argv[2])]^=1; open(sys.argv[3],"wb").write(d)' "$1" "$2" "$TMP/t.bin"
}

# refused_tampered QUOTE COLLATERAL OFFSET:WHAT:STEP...: with a bit flipped at OFFSET (in WHAT),
# attest verify --collateral COLLATERAL refuses QUOTE at STEP, for each spec
refused_tampered() {
	local quote=$1 coll=$2 spec off what step

	shift 2
	for spec in "$@"; do
		IFS=: read -r off what step <<<"$spec"
		tamper "$quote" "$off"
		run "$TEEHOST" attest verify --collateral "$coll" "$TMP/t.bin"
		is "$rc" 1 "a flipped bit in $what: not verified"
		like "$out" "NOT verified: $step:" "  ... at step $step"
	done
}

# guest_busybox_fuse FLAG NAME: sets $BUSYBOX to a static busybox that `teehost sim FLAG` runs
# with its FUSE files (configfs-tsm; for TDX the measurements too); else one SKIP for NAME and
# the script ends
guest_busybox_fuse() {
	BUSYBOX=$(command -v busybox)
	if [ -z "$BUSYBOX" ] || ! file -L "$BUSYBOX" | grep -q "statically linked"; then
		skip "$2" "no static busybox (apt install busybox-static)"
		done_testing
		exit
	fi
	run "$TEEHOST" sim "$1" -- "$BUSYBOX" true
	skip_without_seccomp_notify "$2"
	if grep -q "was not available\|were not available" <<<"$err"; then
		skip "$2" "cannot mount FUSE in a private mount namespace here: $err"
		done_testing
		exit
	fi
}
