#!/bin/bash
# configfs-tsm under teehost sim --snp-guest / --tdx-guest, read by static busybox (raw system
# calls, no preload): the tree, the attributes each provider shows, inblob/outblob/auxblob,
# generation, privlevel and its floor, and the kernel's errno for every bad use.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
export TEEHOST_SIM_STATE_DIR=$TMP/state
guest_busybox_fuse --snp-guest "configfs-tsm"
# busybox's own applets only: "busybox sh" runs cat, mkdir, ... from the same static binary
bb() { run "$TEEHOST" sim "$@"; }
script='R=/sys/kernel/config/tsm/report
e() { "$@" 2>&1 >/dev/null | sed -n "s/.*: //p" | tail -n 1; }
mkdir $R/e1 || exit 1
cd $R/e1
echo "files: $(busybox ls | busybox tr "\n" " ")"
echo "provider: $(busybox cat provider)"
echo "generation0: $(busybox cat generation)"
echo "outblob_no_inblob: $(e busybox cat outblob)"
echo "inblob_65: $(e busybox dd if=/dev/zero of=inblob bs=65 count=1)"
echo "generation_after_65: $(busybox cat generation)"
busybox printf "teehost-tsm-test%048d" 0 > inblob
echo "generation1: $(busybox cat generation)"
echo "read_inblob: $(e busybox cat inblob)"
echo "write_generation: $(e busybox dd if=/dev/zero of=generation bs=1 count=1)"
busybox cat outblob > "$1/out.bin"; echo "outblob_rc: $?"
[ -e auxblob ] && busybox cat auxblob > "$1/aux.bin"
echo "generation_after_read: $(busybox cat generation)"
echo "mkdir_outside: $(e busybox mkdir /sys/kernel/config/tsm/x)"
echo "mkdir_dup: $(e busybox mkdir $R/e1)"
echo "create_file: $(e busybox touch $R/e1/newfile)"
echo "unlink_attr: $(e busybox rm -f $R/e1/inblob)"
if [ -e privlevel ]; then
	echo "floor: $(busybox cat privlevel_floor)"
	echo "privlevel_below_floor: $(e busybox sh -c "echo 0 > privlevel")"
	echo "privlevel_4: $(e busybox sh -c "echo 4 > privlevel")"
	echo "privlevel_junk: $(e busybox sh -c "echo x1 > privlevel")"
	echo 3 > privlevel && echo "privlevel_3: ok $(busybox cat generation)"
	busybox cat outblob > "$1/out3.bin"
fi
cd /
busybox rmdir $R/e1 && echo "rmdir: $(busybox ls $R | busybox wc -l) left"
echo "rmdir_again: $(e busybox rmdir $R/e1)"'

bb --tdx-guest -- "$BUSYBOX" sh -c "$script" sh "$TMP"
is "$rc" 0 "TDX: busybox script ran ($err)"
like "$out" "files: generation inblob outblob provider $" "TDX: the attributes tdx_guest shows"
like "$out" "provider: tdx_guest" "TDX: provider"
like "$out" "generation0: 0" "generation starts at 0"
like "$out" "outblob_no_inblob: Invalid argument" "outblob without inblob: EINVAL"
like "$out" "inblob_65: File too large" "inblob over 64 bytes: EFBIG"
like "$out" "generation_after_65: 0" "a refused write does not count"
like "$out" "generation1: 1" "an inblob write counts once (at close)"
like "$out" "read_inblob: Permission denied" "inblob is write-only: EACCES"
like "$out" "write_generation: Permission denied" "generation is read-only: EACCES"
like "$out" "generation_after_read: 1" "reading does not count"
like "$out" "mkdir_outside: Operation not permitted" "mkdir outside report/: EPERM"
like "$out" "mkdir_dup: File exists" "mkdir of an existing entry: EEXIST"
like "$out" "create_file: Operation not permitted" "creating a file: EPERM"
like "$out" "unlink_attr: Operation not permitted" "removing an attribute: EPERM"
like "$out" "rmdir: 0 left" "rmdir removes the entry"
like "$out" "rmdir_again: No such file" "rmdir of a gone entry: ENOENT"
run "$TEEHOST" attest verify "$TMP/out.bin"
is "$rc" 0 "TDX outblob is a quote our verifier accepts"

bb --snp-guest --vmpl 1 -- "$BUSYBOX" sh -c "$script" sh "$TMP"
is "$rc" 0 "SNP: busybox script ran ($err)"
like "$out" "files: auxblob generation inblob outblob privlevel privlevel_floor provider $" \
	"SNP: the attributes sev_guest shows"
like "$out" "provider: sev_guest" "SNP: provider"
like "$out" "floor: 1" "privlevel_floor is the guest's VMPL"
like "$out" "privlevel_below_floor: Invalid argument" "privlevel below the floor: EINVAL"
like "$out" "privlevel_4: Invalid argument" "privlevel 4: EINVAL"
like "$out" "privlevel_junk: Invalid argument" "privlevel not a number: EINVAL"
like "$out" "privlevel_3: ok 2" "privlevel 3 accepted, generation 2"
is "$(stat -c %s "$TMP/out.bin")" 1184 "SNP outblob is a 0x4a0-byte report"
is "$(od -An -tu4 -j48 -N4 "$TMP/out.bin" | tr -d ' ')" 1 "report at VMPL = privlevel (floor 1)"
is "$(od -An -tu4 -j48 -N4 "$TMP/out3.bin" | tr -d ' ')" 3 "after privlevel 3: a fresh report at VMPL 3"
is "$(dd if="$TMP/out.bin" bs=1 skip=80 count=16 status=none)" "teehost-tsm-test" "REPORT_DATA is inblob"
run "$TEEHOST" attest collateral --tee snp --out "$TMP/snpcol"
run "$TEEHOST" attest verify --tee snp --collateral "$TMP/snpcol" "$TMP/out.bin"
is "$rc" 0 "SNP outblob verifies with our verifier"
off=$(od -An -tu4 -j16 -N4 "$TMP/aux.bin" | tr -d ' '); len=$(od -An -tu4 -j20 -N4 "$TMP/aux.bin" | tr -d ' ')
cmp -s <(tail -c +$((off + 1)) "$TMP/aux.bin" | head -c "$len") "$TMP/snpcol/vcek.der"
ok $? "auxblob's certificate table holds the VCEK"
[ $(( $(stat -c %s "$TMP/aux.bin") % 4096 )) -ne 0 ]
ok $? "auxblob ends at the last certificate (not page-padded), as the kernel cuts it"

# two processes: one writes, another reads, the entry is shared as in configfs
bb --tdx-guest -- "$BUSYBOX" sh -c 'R=/sys/kernel/config/tsm/report; mkdir $R/s &&
	busybox sh -c "busybox printf %064d 7 > $R/s/inblob" && busybox sh -c "busybox cat $R/s/generation"'
is "$out" 1 "an entry is shared between processes"
done_testing
