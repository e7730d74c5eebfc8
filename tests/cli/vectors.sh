#!/usr/bin/env bash
# Table-driven: every row of ../shared/vectors/EXPECTED.tsv through the CLI.
#  - rows with a signer: every SIGSTRUCT field `teehost show` prints, and the verdicts
#    (for a signed SDK .so also that the signed MRENCLAVE matches a fresh measurement);
#  - SDK .so and SGXS rows: MRENCLAVE (and enclave size / SSA frame size) from `teehost measure`;
#  - SIGSTRUCT rows naming their enclave: that enclave measures to the signed MRENCLAVE.
source "$(dirname "$0")/../lib.sh"

tsv="$VECTORS/EXPECTED.tsv"
if [ ! -f "$tsv" ]; then
	# Under CI the vectors are part of the checkout's surroundings: missing is a failure.
	if [ "${CI:-}" = true ]; then
		ok 1 "EXPECTED.tsv: no vectors at $VECTORS (CI=true: they must be there)"
	else
		skip "EXPECTED.tsv" "no vectors at $VECTORS"
	fi
	done_testing
	exit
fi
# The row count comes from the file; a truncated or damaged file fails here instead: every
# row has all 20 columns and every file it names exists.
ncols=$(head -n 1 "$tsv" | awk -F'\t' '{ print NF }')
bad=$(awk -F'\t' -v n="$ncols" 'NR > 1 && NF != n { printf "line %d has %d of %d columns; ", NR, NF, n }' "$tsv")
is "$ncols:$bad" "20:" "EXPECTED.tsv: 20 columns in the header and in every row"
missing=""
while IFS=$'\t' read -r path kind _; do
	[ "$path" = path ] && continue
	[ -f "$VECTORS/$path" ] || missing="$missing $path"
	case $kind in "SIGSTRUCT for "*) [ -f "$VECTORS/${kind#SIGSTRUCT for }" ] || missing="$missing ${kind#SIGSTRUCT for }" ;; esac
done <"$tsv"
is "$missing" "" "EXPECTED.tsv: every file it names exists"

field() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
lower() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }

rows=0 matched=0
while IFS=$'\t' read -r path kind mre mrs prod svn attr amask misc mmask htype vendor date hwv sigok q1q2 mdv esize ssa recompute; do
	[ "$path" = path ] && continue
	rows=$((rows + 1))
	row_ok=1
	f="$VECTORS/$path"
	if [ "$mrs" != "-" ]; then
		run "$TEEHOST" show "$f"
		want="mrenclave=$mre mrsigner=$mrs isv_prod_id=$prod isv_svn=$svn attributes=$attr attribute_mask=$amask misc_select=$misc misc_mask=$mmask header_type=$htype vendor=$vendor date=$date hw_version=$hwv signature_valid=$(lower "$sigok") q1q2_valid=$(lower "$q1q2")"
		got=""
		for k in mrenclave mrsigner isv_prod_id isv_svn attributes attribute_mask misc_select misc_mask header_type vendor date hw_version signature_valid q1q2_valid; do
			got="$got $k=$(field "$out" "$k")"
		done
		got=${got# }
		case $kind in SDK*) want="$want mrenclave_matches=true"; got="$got mrenclave_matches=$(field "$out" mrenclave_matches)" ;; esac
		is "$rc:$got" "0:$want" "show $path: every SIGSTRUCT field and verdict"
		[ "$rc:$got" = "0:$want" ] || row_ok=0
	fi
	target="" flat=""
	case $kind in
	SDK*) target=$path ;;
	SGXS*) target=$path ;;
	"SIGSTRUCT for "*)
		target=${kind#SIGSTRUCT for }
		case $target in *.bin) flat=--flat ;; esac ;;
	esac
	if [ -n "$target" ] && [ -f "$VECTORS/$target" ]; then
		run "$TEEHOST" measure $flat "$VECTORS/$target"
		got="$rc $(field "$out" mrenclave)" want="0 $mre"
		if [ "$esize" != "-" ]; then
			got="$got $(field "$out" enclave_size) $(field "$out" ssa_frame_size)"
			want="$want $esize $ssa"
		fi
		is "$got" "$want" "measure ${flat:+$flat }$target: MRENCLAVE${esize:+ and layout} as EXPECTED"
		[ "$got" = "$want" ] || row_ok=0
		case $kind in SGXS*|"SIGSTRUCT for "*.sgxs)
			is "$(sha256sum "$VECTORS/$target" | cut -d' ' -f1)" "$(field "$out" mrenclave)" "$target: MRENCLAVE is SHA-256 of the stream (round trip)" ;;
		esac
	elif [ -n "$target" ]; then
		ok 1 "measure $target: file not in the vectors"
		row_ok=0
	fi
	[ "$row_ok" = 1 ] && matched=$((matched + 1))
done <"$tsv"
echo "# EXPECTED.tsv: $matched of $rows rows matched"
ok_if "EXPECTED.tsv has rows ($rows)" [ "$rows" -gt 0 ]
is "$matched" "$rows" "all $rows EXPECTED.tsv rows match"
done_testing
