#!/bin/bash
# teehost sim --tdx-guest --quote-version 5 [--tdx-module 1.5 --mrservicetd HEX]: TDX quote v5
# (sgx_quote_5.h) through configfs-tsm, read by static busybox: body type 2 (TD report 1.0, 584
# bytes) from a 1.0 module, type 3 (TD report 1.5, 648 bytes: TEE_TCB_SVN2, MRSERVICETD) from a
# 1.5 module, the descriptor (u16 type, u32 size) at 48; the 1.5 module's TDREPORT (version 1,
# SERVTD_HASH); our verifier accepts both types and refuses a flipped bit in the body or the
# descriptor; openssl on the chain inside; show --json; v4 stays the default; bad arguments.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
CLIENT=$BUILD/tests/tdx-client
export TEEHOST_SIM_STATE_DIR=$TMP/state
hexat() { od -An -tx1 -v -j"$2" -N"$3" "$1" | tr -d ' \n'; }

# bad arguments: exit 2, one line naming the option
for args in "--quote-version 3" "--quote-version 6" "--quote-version 5x" "--tdx-module 2.0" \
	"--tdx-module 1" "--mrservicetd 5e" "--tdx-module 1.5 --mrservicetd xyz" \
	"--tdx-module 1.5 --mrservicetd $(printf '0%.0s' {1..98})"; do
	# shellcheck disable=SC2086 # split on purpose
	run "$TEEHOST" sim --tdx-guest $args -- /bin/true
	is "$rc" 2 "sim --tdx-guest $(cut -c1-40 <<<"$args"): usage error"
	is "$(wc -l <<<"$err")" 1 "  ... one line"
	like "$err" "^teehost sim: --(quote-version|tdx-module|mrservicetd)" "  ... naming the option"
done

guest_busybox_fuse --tdx-guest "TDX quote v5"

SERVTD=$(printf '5e%.0s' {1..48})
MRTD=$(printf 'b2%.0s' {1..48})
# TDREPORT of the 1.5 module: REPORTTYPE version 1, TEE_TCB_SVN2 valid and = TEE_TCB_SVN (no
# TD-preserving update happened), SERVTD_HASH from --mrservicetd; the 1.0 module: version 0
run "$TEEHOST" sim --tdx-guest --tdx-module 1.5 --mrservicetd "$SERVTD" -- "$CLIENT" report 01 "$TMP/td15.bin"
is "$rc" 0 "TDREPORT of a TDX 1.5 module ($err)"
is "$(hexat "$TMP/td15.bin" 2 1)" 01 "REPORTTYPE.VERSION 1 (TDINFO has SERVTD_HASH)"
is "$(hexat "$TMP/td15.bin" $((256 + 128)) 16)" "$(hexat "$TMP/td15.bin" $((256 + 8)) 16)" \
	"TEE_TCB_SVN2 = TEE_TCB_SVN"
is "$(hexat "$TMP/td15.bin" $((256 + 2)) 1)" 03 "TEE_TCB_INFO.VALID covers TEE_TCB_SVN2 (bits 16, 17)"
is "$(hexat "$TMP/td15.bin" $((512 + 400)) 48)" "$SERVTD" "TDINFO.SERVTD_HASH"
run "$TEEHOST" show --json "$TMP/td15.bin"
is "$(jq -r '.["td_info.servtd_hash"]' <<<"$out")" "$SERVTD" "show --json: td_info.servtd_hash"
is "$(jq -r '.["tee_tcb_info.tee_tcb_svn2"]' <<<"$out" | cut -c1-6)" 030102 "show --json: tee_tcb_svn2"
run "$TEEHOST" sim --tdx-guest -- "$CLIENT" report 01 "$TMP/td10.bin"
is "$(hexat "$TMP/td10.bin" 2 1)/$(hexat "$TMP/td10.bin" $((256 + 128)) 1)" 00/00 \
	"a 1.0 module: REPORTTYPE.VERSION 0, no TEE_TCB_SVN2"

quote_script='set -e; R=/sys/kernel/config/tsm/report; mkdir $R/q; cd $R/q
printf "teehost-tdx-v5%050d" 0 > inblob; cat outblob > "$1"; cd /; rmdir $R/q'
quote() {  # quote OUT SIM-OPTIONS...
	local out=$1
	shift
	run "$TEEHOST" sim --tdx-guest --mrtd "$MRTD" "$@" -- "$BUSYBOX" sh -c "$quote_script" sh "$out"
}
quote "$TMP/v4.bin"
is "$rc" 0 "default quote ($err)"
is "$(hexat "$TMP/v4.bin" 0 2)" 0400 "the default is still v4"
quote "$TMP/v4-15.bin" --tdx-module 1.5 --mrservicetd "$SERVTD"
is "$(hexat "$TMP/v4-15.bin" 0 2)/$(stat -c %s "$TMP/v4-15.bin")" "0400/$(stat -c %s "$TMP/v4.bin")" \
	"v4 of a 1.5 module: TD report 1.0, the v4 size"
quote "$TMP/t2.bin" --quote-version 5
is "$rc" 0 "quote v5 of a 1.0 module ($err)"
quote "$TMP/t3.bin" --quote-version 5 --tdx-module 1.5 --mrservicetd "$SERVTD"
is "$rc" 0 "quote v5 of a 1.5 module ($err)"
is "$(hexat "$TMP/t2.bin" 0 2)/$(hexat "$TMP/t2.bin" 4 4)" 0500/81000000 "type 2: version 5, TEE 0x81"
is "$(hexat "$TMP/t2.bin" 48 6)" 020048020000 "type 2: descriptor 2, 584 bytes"
is "$(hexat "$TMP/t3.bin" 48 6)" 030088020000 "type 3: descriptor 3, 648 bytes"
is "$(( $(stat -c %s "$TMP/t3.bin") - $(stat -c %s "$TMP/t2.bin") ))" 64 "type 3 is 64 bytes longer"
is "$(hexat "$TMP/t3.bin" $((54 + 136)) 48)" "$MRTD" "type 3: MRTD at 190"
is "$(hexat "$TMP/t3.bin" 574 14)" "$(printf teehost-tdx-v5 | xxd -p)" "type 3: REPORTDATA at 574"
is "$(hexat "$TMP/t3.bin" 638 16)" "$(hexat "$TMP/t3.bin" 54 16)" "type 3: TEE_TCB_SVN2 at 638"
is "$(hexat "$TMP/t3.bin" 654 48)" "$SERVTD" "type 3: MRSERVICETD at 654"

for t in 2 3; do
	run "$TEEHOST" show --json "$TMP/t$t.bin"
	is "$(jq -r '[.version, .tee_type, .body_type, .body_size] | join(" ")' <<<"$out")" \
		"5 129 $t $((t == 2 ? 584 : 648))" "show --json type $t: version, tee_type, body_type, body_size"
	is "$(jq -r .td_quote_body.mr_td <<<"$out")" "$MRTD" "show --json type $t: mr_td"
	is "$(jq -r .td_quote_body.report_data <<<"$out" | cut -c1-28)" "$(printf teehost-tdx-v5 | xxd -p)" \
		"show --json type $t: report_data"
	is "$(jq -r '.td_quote_body | keys | length' <<<"$out")" $((t == 2 ? 15 : 17)) \
		"show --json type $t: $((t == 2 ? 15 : 17)) body fields"
done
run "$TEEHOST" show --json "$TMP/t3.bin"
is "$(jq -r .td_quote_body.mr_servicetd <<<"$out")" "$SERVTD" "show --json: mr_servicetd"
is "$(jq -r .td_quote_body.tee_tcb_svn2 <<<"$out")" "$(jq -r .td_quote_body.tee_tcb_svn <<<"$out")" \
	"show --json: tee_tcb_svn2"
run "$TEEHOST" show "$TMP/t3.bin"
like "$out" "body_type +3 \(TD report 1.5\)" "show: body type named"
like "$out" "td.mr_servicetd +$SERVTD" "show: td.mr_servicetd"

C=$TMP/col
run "$TEEHOST" attest collateral --tee tdx --out "$C"
is "$rc" 0 "attest collateral --tee tdx"
for q in v4 t2 t3; do
	run "$TEEHOST" attest verify --collateral "$C" "$TMP/$q.bin"
	is "$rc" 0 "our verifier accepts $q"
	like "$out" "TCB status +UpToDate" "  ... TCB UpToDate"
done
run "$TEEHOST" attest verify --json --collateral "$C" "$TMP/t3.bin"
is "$(jq -r '[.quote_version, .body_type, .verified] | join(" ")' <<<"$out")" "5 3 true" \
	"verify --json: quote_version 5, body_type 3, verified"

# openssl on the chain inside the type-3 quote: PCK <- PCK CA <- the collateral's root
off=$((54 + 648 + 4 + 128 + 6 + 384 + 64 + 2 + 32 + 6))
dd if="$TMP/t3.bin" bs=1 skip=$off status=none > "$TMP/chain.pem"
awk '/BEGIN/{n++} {print > ("'"$TMP"'/c" n ".pem")}' "$TMP/chain.pem"
run openssl verify -CAfile "$C/root-ca.pem" -untrusted "$TMP/c2.pem" "$TMP/c1.pem"
is "$rc" 0 "openssl: the quote's PCK <- PCK CA <- root"
cmp -s "$TMP/c3.pem" "$C/root-ca.pem"
ok $? "the quote's root is the collateral's"
is "$(openssl x509 -in "$TMP/c1.pem" -noout -pubkey)" "$(openssl x509 -in "$C/pck.pem" -noout -pubkey)" \
	"the quote's PCK key is the collateral's"

# a flipped bit in the signed body, and in the descriptor
refused_tampered "$TMP/t3.bin" "$C" 54:tee_tcb_svn:quote_signature 190:mr_td:quote_signature \
	574:report_data:quote_signature 638:tee_tcb_svn2:quote_signature \
	654:mr_servicetd:quote_signature 701:mr_servicetd_end:quote_signature
refused_tampered "$TMP/t2.bin" "$C" 190:mr_td:quote_signature 637:report_data_end:quote_signature
for spec in 48:body.size 49:body.type 50:body.size 51:body.size 53:body.size; do
	for q in t2 t3; do
		tamper "$TMP/$q.bin" "${spec%%:*}"
		run "$TEEHOST" attest verify --collateral "$C" "$TMP/t.bin"
		is "$rc" 1 "$q with a flipped bit at ${spec%%:*} (${spec#*:}): refused"
		like "$err" "^teehost: $TMP/t.bin: ${spec#*:}: " "  ... one line naming ${spec#*:}"
	done
done
# type 3 relabelled as type 2 (584 bytes) with the size to match: parses up to the signature
# data length, which now lies inside the body, and is refused
python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[48]=2; d[50:54]=(584).to_bytes(4,"little"); open(sys.argv[2],"wb").write(d)' \
	"$TMP/t3.bin" "$TMP/t.bin"
run "$TEEHOST" attest verify --collateral "$C" "$TMP/t.bin"
is "$rc" 1 "type 3 relabelled as type 2: refused"
run "$TEEHOST" show "$TMP/t.bin"
is "$rc" 1 "show refuses it too"

done_testing
