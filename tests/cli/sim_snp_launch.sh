#!/bin/bash
# teehost sim --snp-guest --launch OVMF: the measurement of QEMU launching an SEV-capable OVMF,
# computed as the AMD-SP's PAGE_INFO chain, lands in the report. Expected digests come from
# virtee/sev-snp-measure (--mode snp, QEMU) on the same inputs: the synthetic image of
# tests/guest/make-ovmf.py and, when installed, Debian 12's ovmf 2022.11-6+deb12u2 OVMF.fd.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
CLIENT=$BUILD/tests/snp-client
export TEEHOST_SIM_STATE_DIR=$TMP/state
MAKE_OVMF="$(dirname "$0")/../guest/make-ovmf.py"

if ! command -v python3 >/dev/null; then
	skip "sim --snp-guest --launch" "no python3 to build the synthetic OVMF image"
	done_testing
	exit
fi
python3 "$MAKE_OVMF" "$TMP/ovmf.fd"
guest_sim_smoke --snp-guest "sim --snp-guest runs a program" 0

# sev-snp-measure --mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf ovmf.fd
want1=60fd8493b68dcef48fb51af0076be411b4d3abfa2924a3e5f7b601332863c6fc55aedd6f265d3a19e7521904453cad0d
# ... --vcpus 3 --vcpu-type EPYC-Genoa --guest-features 0x21
want3=6692b9884c4f27ce8b78b7c20028632ac765d2da9a7e791b80966ae744a30d70bc18d2a327784700e3925036e3739a47

run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf.fd" -- "$CLIENT" report "$TMP/r1.bin"
is "$rc" 0 "report from a guest launched from an OVMF image"
run "$TEEHOST" attest collateral --tee snp --out "$TMP/col"
run "$TEEHOST" attest verify --tee snp --collateral "$TMP/col" --json "$TMP/r1.bin"
is "$rc" 0 "our verifier accepts it"
is "$(jq -r .report.measurement <<<"$out")" "$want1" "measurement = sev-snp-measure's (1 vCPU, EPYC-v4)"

run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf.fd" --vcpus 3 --vcpu-type epyc-genoa \
	--guest-features 0x21 --verbose -- "$CLIENT" report "$TMP/r3.bin"
like "$err" "measurement $want3" "--verbose shows the launch measurement"
run "$TEEHOST" attest verify --tee snp --collateral "$TMP/col" --json "$TMP/r3.bin"
is "$(jq -r .report.measurement <<<"$out")" "$want3" "measurement = sev-snp-measure's (3 vCPUs, Genoa, features 0x21)"
run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf.fd" --vcpus 3 --vcpu-sig 0xa10f10 \
	--guest-features 0x21 --verbose -- /bin/true
like "$err" "measurement $want3" "--vcpu-sig 0xa10f10 is EPYC-Genoa's signature"

# every part of the launch counts: one byte of firmware, the vCPU count
cp "$TMP/ovmf.fd" "$TMP/ovmf2.fd"
printf '\xff' | dd of="$TMP/ovmf2.fd" bs=1 seek=100 conv=notrunc status=none
run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf2.fd" --verbose -- /bin/true
is "$rc" 0 "changed firmware launches"
unlike_m=$(grep -c "measurement $want1" <<<"$err")
is "$unlike_m" 0 "one firmware byte changes the measurement"
run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf.fd" --vcpus 2 --verbose -- /bin/true
is "$(grep -c "measurement $want1" <<<"$err")" 0 "a second vCPU changes the measurement"

# bad images: one line naming the file and the field, exit 1, the program never runs
for kind in nometa badsig badtype unaligned; do
	python3 "$MAKE_OVMF" "$TMP/$kind.fd" "$kind"
done
run "$TEEHOST" sim --snp-guest --launch "$TMP/nometa.fd" -- /bin/echo ran
is "$rc:$out" "1:" "OVMF without SEV metadata: refused, program not run"
like "$err" "^teehost: sim: .*nometa.fd: SEV metadata: missing" "names the file and the field"
run "$TEEHOST" sim --snp-guest --launch "$TMP/badsig.fd" -- /bin/true
like "$rc:$err" "^1:.*badsig.fd: SEV metadata.signature: not ASEV" "bad metadata signature"
run "$TEEHOST" sim --snp-guest --launch "$TMP/badtype.fd" -- /bin/true
like "$rc:$err" "^1:.*SEV metadata section: 4: unknown type 9" "unknown section type"
run "$TEEHOST" sim --snp-guest --launch "$TMP/unaligned.fd" -- /bin/true
like "$rc:$err" "^1:.*SEV metadata section: 4: .* not whole pages" "section not whole pages"
head -c 5000 "$TMP/ovmf.fd" >"$TMP/short.fd"
run "$TEEHOST" sim --snp-guest --launch "$TMP/short.fd" -- /bin/true
like "$rc:$err" "^1:.*short.fd: size: 5000 bytes" "image not whole pages"
run "$TEEHOST" sim --snp-guest --launch "$TMP/missing.fd" -- /bin/true
like "$rc:$err" "^1:.*missing.fd" "missing file"
run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf.fd" --measurement 01 -- /bin/true
is "$rc" 2 "--launch with --measurement is a usage error"
run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf.fd" --vcpu-type EPYC-Nonesuch -- /bin/true
is "$rc" 2 "unknown vCPU model is a usage error"
run "$TEEHOST" sim --snp-guest --launch "$TMP/ovmf.fd" --guest-features 0x20 -- /bin/true
is "$rc" 2 "guest features without SNPActive is a usage error"

# a real firmware: Debian 12's OVMF.fd (package ovmf 2022.11-6+deb12u2), when installed
real=/usr/share/ovmf/OVMF.fd
if [ -f "$real" ] && sha256sum "$real" | grep -q '^7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773 '; then
	run "$TEEHOST" sim --snp-guest --launch "$real" --vcpus 4 --vcpu-type EPYC-Milan --verbose -- /bin/true
	like "$err" "measurement e9c10ab98f8086bf4a4993dcdc1f768b1128bcb02301d1791f1d3274329e790db2d12a301d66d99a462a13b5d87e2840" \
		"Debian's OVMF.fd, 4 vCPUs EPYC-Milan: sev-snp-measure's value"
else
	skip "Debian OVMF.fd measurement" "ovmf 2022.11-6+deb12u2 is not installed ($real)"
fi
done_testing
