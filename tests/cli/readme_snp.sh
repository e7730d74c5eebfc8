#!/bin/bash
# README's "SEV-SNP guests without hardware" flow, run as written: the indented block after the line
# "attestation flow on a laptop", with `teehost` as the built one, in a scratch directory.
# When Debian's OVMF.fd is absent the synthetic image of tests/guest/make-ovmf.py stands in.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
export TEEHOST_SIM_STATE_DIR=$TMP/state
README="$(dirname "$0")/../../README.md"
if ! command -v python3 >/dev/null || ! command -v jq >/dev/null; then
	skip "README SNP flow" "needs python3 and jq"
	done_testing
	exit
fi
guest_busybox_fuse --snp-guest "README SNP flow"
# the block: indented lines after the marker, up to the first line that is neither
block=$(awk '/^attestation flow on a laptop/ { on = 1; next }
	on && /^    / { print substr($0, 5); seen = 1; next }
	on && seen { exit }' "$README")
like "$block" "teehost sim --snp-guest --launch" "README has the SNP flow"
ovmf=/usr/share/ovmf/OVMF.fd
if [ ! -f "$ovmf" ]; then
	python3 "$(dirname "$0")/../guest/make-ovmf.py" "$TMP/OVMF.fd"
	ovmf=$TMP/OVMF.fd
fi
mkdir -p "$TMP/work" "$TMP/bin"
ln -s "$TEEHOST" "$TMP/bin/teehost"
block=${block//\/usr\/share\/ovmf\/OVMF.fd/$ovmf}
run env PATH="$TMP/bin:$PATH" bash -euc "cd '$TMP/work'; $block"
is "$rc" 0 "the README flow runs"
like "$out" "report.bin: SEV-SNP report verifies" "our verifier accepts the report the README's guest wrote"
got=$(tail -n 1 <<<"$out")
run "$TEEHOST" sim --snp-guest --launch "$ovmf" --vcpus 2 --verbose -- /bin/true
like "$err" "measurement $got" "the measurement shown is --launch's for that OVMF"
is "$(head -c 1 "$TMP/work/report.bin" | od -An -tu1 | tr -d ' ')" 3 "report.bin is an SNP report (version 3)"
done_testing
