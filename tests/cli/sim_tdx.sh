#!/bin/bash
# teehost sim --tdx-guest: /dev/tdx_guest for a static program (seccomp user notification), the
# kernel's errno rules for TDX_CMD_GET_REPORT0, the TDREPORT's fields; the quote from
# configfs-tsm read by static busybox, attest collateral --tee tdx, our verifier (pass, tamper,
# out-of-date TCB, another platform, Intel's real root), openssl on the chain, show --json.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
CLIENT=$BUILD/tests/tdx-client
export TEEHOST_SIM_STATE_DIR=$TMP/state

guest_sim_smoke --tdx-guest "sim --tdx-guest runs a program" 9

run "$TEEHOST" sim --tdx-guest -- "$CLIENT" errnos
is "$rc" 0 "static client opens /dev/tdx_guest"
like "$out" "ok 0" "TDX_CMD_GET_REPORT0 succeeds"
like "$out" "null_arg 14" "NULL argument: EFAULT"
like "$out" "unmapped_arg 14" "unmapped argument: EFAULT"
like "$out" "readonly_tdreport 14" "TDREPORT not writable: EFAULT"
like "$out" "other_cmd 25" "another 'T' command: ENOTTY"
like "$out" "snp_cmd_on_tdx 25" "an SEV-SNP ioctl on /dev/tdx_guest: ENOTTY"
run "$TEEHOST" sim --snp-guest -- "$CLIENT" errnos
like "$err" "/dev/tdx_guest: No such file" "--snp-guest does not present /dev/tdx_guest"

MRTD=$(printf 'a1%.0s' {1..48})
run "$TEEHOST" sim --tdx-guest --mrtd "$MRTD" --rtmr 2:ccdd --mrconfigid 11 --debug -- \
	"$CLIENT" report 0102 "$TMP/td.bin"
is "$rc" 0 "TDREPORT through the ioctl"
is "$(stat -c %s "$TMP/td.bin")" 1024 "TDREPORT is 1024 bytes"
hexat() { od -An -tx1 -v -j"$2" -N"$3" "$1" | tr -d ' \n'; }
is "$(hexat "$TMP/td.bin" 0 1)" 81 "REPORTTYPE.TYPE 0x81 (TDX)"
is "$(hexat "$TMP/td.bin" 16 16)" "$(printf 'TEEHOST-SIM-TDX\001' | xxd -p)" "CPUSVN marks the simulator"
is "$(hexat "$TMP/td.bin" 128 4)" 01020000 "REPORTDATA from the caller"
is "$(hexat "$TMP/td.bin" $((512 + 16)) 48)" "$MRTD" "TDINFO.MRTD"
is "$(hexat "$TMP/td.bin" $((512 + 64)) 2)" 1100 "TDINFO.MRCONFIGID"
is "$(hexat "$TMP/td.bin" $((512 + 208 + 96)) 3)" ccdd00 "TDINFO.RTMR2"
is "$(hexat "$TMP/td.bin" 512 1)" 01 "TDINFO.ATTRIBUTES DEBUG"
is "$(hexat "$TMP/td.bin" 80 48)" "$(tail -c 512 "$TMP/td.bin" | openssl dgst -sha384 -r | cut -c1-96)" \
	"TEE_INFO_HASH = SHA-384(TDINFO)"
is "$(hexat "$TMP/td.bin" 32 48)" "$(dd if="$TMP/td.bin" bs=1 skip=256 count=239 status=none | \
	openssl dgst -sha384 -r | cut -c1-96)" "TEE_TCB_INFO_HASH = SHA-384(TEE_TCB_INFO)"
run "$TEEHOST" show --json "$TMP/td.bin"
is "$(jq -r '.["td_info.mr_td"]' <<<"$out")" "$MRTD" "show --json: TDREPORT's td_info.mr_td"
is "$(jq -r '.["td_info.rtmr2"]' <<<"$out" | cut -c1-4)" ccdd "show --json: td_info.rtmr2"
dd if="$TMP/td.bin" of="$TMP/td-bad.bin" bs=1 count=600 status=none
dd if=/dev/zero bs=1 count=424 status=none >> "$TMP/td-bad.bin"
run "$TEEHOST" show "$TMP/td-bad.bin"
is "$rc" 1 "show: a TDREPORT whose TDINFO was changed is refused"
like "$err" "^teehost: $TMP/td-bad.bin: tee_info_hash: " "  ... naming the field"

# the quote: static busybox through configfs-tsm, as a shell script in a TD would do it
BUSYBOX=$(command -v busybox)
if [ -z "$BUSYBOX" ] || ! file -L "$BUSYBOX" | grep -q "statically linked"; then
	skip "quote through configfs-tsm" "no static busybox (apt install busybox-static)"
	done_testing
	exit
fi
quote_script='set -e; R=/sys/kernel/config/tsm/report; mkdir $R/q; cd $R/q
test "$(cat provider)" = tdx_guest
printf "teehost-tdx-test%048d" 0 > inblob
cat outblob > "$1"; cat generation; cd /; rmdir $R/q'
run "$TEEHOST" sim --tdx-guest --mrtd "$MRTD" --rtmr 0:0a -- "$BUSYBOX" sh -c "$quote_script" sh "$TMP/q.bin"
is "$rc" 0 "static busybox reads a quote from configfs-tsm ($err)"
is "$out" 1 "generation 1 after one inblob"
run "$TEEHOST" show --json "$TMP/q.bin"
is "$(jq -r .version <<<"$out")/$(jq -r .tee_type <<<"$out")" 4/129 "quote v4, TEE type 0x81"
is "$(jq -r .td_quote_body.mr_td <<<"$out")" "$MRTD" "quote: MRTD"
is "$(jq -r .td_quote_body.rtmr0 <<<"$out" | cut -c1-2)" 0a "quote: RTMR0"
is "$(jq -r .td_quote_body.report_data <<<"$out" | cut -c1-32)" "$(printf teehost-tdx-test | xxd -p)" \
	"quote: REPORTDATA is inblob"
is "$(jq -r .qe_report.isv_prod_id <<<"$out")" 2 "QE report: the TD QE (ISVPRODID 2)"
is "$(jq -r .outer_certification_data_type <<<"$out")/$(jq -r .certification_data_type <<<"$out")" \
	6/5 "certification data: QE report (6) nesting the PCK chain (5)"

C=$TMP/col
run "$TEEHOST" attest collateral --tee tdx --out "$C"
is "$rc" 0 "attest collateral --tee tdx"
like "$out" "TDX collateral for FMSPC [0-9a-f]{12}" "names the FMSPC"
for f in root-ca.pem pck-ca.pem pck.pem tcb-signing.pem tcb-info.json qe-identity.json root-ca.crl \
	pck-ca.crl pck-chain.pem tcb-chain.pem; do
	[ -s "$C/$f" ]; ok $? "collateral $f"
done
is "$(jq -r '.tcbInfo.id + " v" + (.tcbInfo.version|tostring)' "$C/tcb-info.json")" "TDX v3" "TCB info id TDX v3"
is "$(jq -r '.tcbInfo.tcbLevels[0].tcb.tdxtcbcomponents | length' "$C/tcb-info.json")" 16 \
	"TCB levels carry 16 tdxtcbcomponents"
is "$(jq -r '.tcbInfo.tdxModuleIdentities[0].id' "$C/tcb-info.json")" TDX_01 "module identity TDX_01"
is "$(jq -r '.enclaveIdentity.id + " v" + (.enclaveIdentity.version|tostring)' "$C/qe-identity.json")" \
	"TD_QE v2" "QE identity id TD_QE v2"
run openssl verify -CAfile "$C/root-ca.pem" -untrusted "$C/pck-ca.pem" "$C/pck.pem"
is "$rc" 0 "openssl: PCK <- PCK CA <- root"
run openssl verify -CAfile "$C/root-ca.pem" "$C/tcb-signing.pem"
is "$rc" 0 "openssl: TCB signing <- root"
dd if="$TMP/q.bin" bs=1 skip=$((48 + 584 + 4 + 128 + 6 + 384 + 64 + 2 + 32 + 6)) status=none |
	openssl x509 -noout -pubkey -subject > "$TMP/qpck.txt"
openssl x509 -in "$C/pck.pem" -noout -pubkey -subject > "$TMP/cpck.txt"
cmp -s "$TMP/qpck.txt" "$TMP/cpck.txt"
ok $? "the quote's PCK certificate is the collateral's"

run "$TEEHOST" attest verify --collateral "$C" "$TMP/q.bin"
is "$rc" 0 "our verifier accepts the TDX quote"
like "$out" "TCB status +UpToDate" "TCB UpToDate"
run "$TEEHOST" attest verify --json "$TMP/q.bin"
is "$(jq -r .verified <<<"$out")" true "verify without --collateral: fresh TDX collateral"
refused_tampered "$TMP/q.bin" "$C" 184:mr_td:quote_signature 568:report_data:quote_signature \
	640:signature:quote_signature 900:qe_report:qe_report_signature
jq -c '.tcbInfo.tdxModule.mrsigner = ("01" + .tcbInfo.tdxModule.mrsigner[2:])' "$C/tcb-info.json" > "$TMP/x.json"
cp -r "$C" "$TMP/bad" && cp "$TMP/x.json" "$TMP/bad/tcb-info.json"
run "$TEEHOST" attest verify --collateral "$TMP/bad" "$TMP/q.bin"
like "$out" "NOT verified: tcb_info: the signature" "an edited tdxModule fails the TCB info signature"
run "$TEEHOST" attest collateral --tee tdx --tcb out-of-date --out "$TMP/ood"
run "$TEEHOST" attest verify --collateral "$TMP/ood" "$TMP/q.bin"
is "$rc" 1 "out-of-date TCB: not verified"
like "$out" "TCB status +OutOfDate" "  ... status OutOfDate"
run "$TEEHOST" attest collateral --tee sgx --out "$TMP/sgxcol"
if [ "$rc" -eq 0 ]; then
	run "$TEEHOST" attest verify --collateral "$TMP/sgxcol" "$TMP/q.bin"
	is "$rc" 1 "SGX collateral does not verify a TDX quote"
fi
other=$(mktemp -d "$TMP/other.XXXX")
TEEHOST_SIM_STATE_DIR=$other run "$TEEHOST" attest collateral --tee tdx --out "$TMP/col2"
run "$TEEHOST" attest verify --collateral "$TMP/col2" "$TMP/q.bin"
is "$rc" 1 "another platform's root does not anchor the chain"
like "$out" "NOT verified: pck_chain" "  ... at the PCK chain"
intel_root_pem "$TMP/intel-root.pem"
run "$TEEHOST" attest verify --collateral "$C" --root "$TMP/intel-root.pem" "$TMP/q.bin"
is "$rc" 1 "verify against Intel's real root key fails"
run openssl verify -CAfile "$TMP/intel-root.pem" -untrusted "$C/pck-ca.pem" "$C/pck.pem"
isnt_zero=$rc; [ "$isnt_zero" -ne 0 ]; ok $? "openssl: Intel's real root does not verify the PCK"

run "$TEEHOST" sim --tdx-guest --rtmr 4:00 -- /bin/true
is "$rc" 2 "--rtmr 4: usage error"
run "$TEEHOST" sim --tdx-guest --mrtd xyz0 -- /bin/true
is "$rc" 2 "--mrtd not hex: usage error"

done_testing
