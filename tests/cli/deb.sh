#!/usr/bin/env bash
# The Debian packages (make deb) in a debootstrap'd bookworm (deploy/test-target.sh's cached
# target): installed with apt, then `teehost check --json`, `teehost sim -- teehost run` of the
# installed sample, the two shipped examples (live.c, enclave.c) compiled with
# `pkg-config --cflags --libs libteehost` and run under the simulator, the drop-in common loader reached by -L/rpath; then
# `dpkg -P` leaves no file of any of them. Slow (a package build and apt in a chroot): only
# under TEEHOST_KERNEL_E2E=1, once (the normal build's run). Downloads are kept in
# $TEEHOST_DEPLOY_CACHE/apt-archives. TEEHOST_DEBS=DIR takes the packages `make deb` left in
# DIR instead of building them again (a rerun after a chroot failure).
source "$(dirname "$0")/../lib.sh"
root=$_lib_root
pkgs="teehost libteehost0 libteehost-dev teehost-sgx-enclave-common"

why=
[ "${TEEHOST_KERNEL_E2E:-0}" = 1 ] || why="slow (package build, apt in a chroot): runs under TEEHOST_KERNEL_E2E=1"
case $BUILD in *-san) why=${why:-"the packages are built from source once, in the normal build's run"} ;; esac
[ "$(id -u)" = 0 ] || why=${why:-"needs root (chroot)"}
for c in debootstrap dpkg-buildpackage lintian unshare; do
	command -v "$c" >/dev/null || why=${why:-"$c not installed (make deps)"}
done
if [ -n "$why" ]; then
	skip "the .debs in a bookworm chroot" "$why"
	done_testing
	exit 0
fi
start=$(date +%s)

# --- build ------------------------------------------------------------------------------
if [ -n "${TEEHOST_DEBS:-}" ]; then
	debs=$TEEHOST_DEBS
	skip "make deb: the packages build and lintian finds no error or warning" "TEEHOST_DEBS=$debs given"
else
	debs=$BUILD/deb
	"$root/scripts/make-deb.sh" "$debs" >"$TMP/deb.log" 2>&1
	ok $? "make deb: the packages build and lintian finds no error or warning"
	[ $? = 0 ] || sed 's/^/# /' "$TMP/deb.log" | tail -n 5
fi
missing=0
for p in $pkgs; do
	[ -f "$(ls "$debs/${p}_"*.deb 2>/dev/null | head -n1)" ]; r=$?
	ok $r "package $p built"
	[ "$r" = 0 ] || missing=1
done
# Without the packages every later step would only fail for the same reason: stop here.
[ "$missing" = 0 ] || { done_testing; exit 1; }
listing=$(dpkg-deb -c "$debs"/teehost-sgx-enclave-common_*.deb)
[ -n "$listing" ] && ! printf '%s\n' "$listing" | grep -q '/x86_64-linux-gnu/libsgx'
ok $? "the drop-in package puts nothing in the linker's default directory"

# --- a fresh bookworm --------------------------------------------------------------------
target=$TMP/target
if ! "$root/deploy/test-target.sh" "$target" >"$TMP/target.log" 2>&1; then
	skip "the .debs in a bookworm chroot" "cannot make the chroot target: $(tail -n 1 "$TMP/target.log")"
	done_testing
	exit 0
fi
archives=${TEEHOST_DEPLOY_CACHE:-/var/cache/teehost/deploy-target}/apt-archives
mkdir -p "$archives/partial" "$target/work/home"
for p in $pkgs; do cp "$debs/${p}_"*.deb "$target/work/"; done
cp "$root/tests/deb/inside.sh" "$target/work/"

# in_target CMD...: run CMD in the chroot with /proc, /sys, /dev and the apt cache bound in a
# private mount namespace, so the mounts go away with it. HOME (user state such as the
# simulator's, which no purge removes) is under /work, outside what the purge check looks at.
in_target() {
	unshare --mount --propagation private sh -c '
		t=$1 a=$2; shift 2
		mount --rbind /proc "$t/proc" && mount --rbind /sys "$t/sys" &&
			mount --rbind /dev "$t/dev" && mount --bind "$a" "$t/var/cache/apt/archives" &&
			exec chroot "$t" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/work/home LANG=C.UTF-8 "$@"
	' sh "$target" "$archives" "$@"
}

# --- install -----------------------------------------------------------------------------
in_target sh -c 'apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q -y \
	--no-install-recommends install gcc libc6-dev pkgconf jq /work/*.deb' >"$TMP/apt.log" 2>&1
ok $? "apt-get install of the four packages (and gcc, pkgconf) in bookworm"
[ $? = 0 ] || tail -n 5 "$TMP/apt.log" | sed 's/^/# /'
run in_target dpkg-query -W -f '${Package} ${Status}\n' $pkgs
is "$(printf '%s\n' "$out" | grep -c ' install ok installed$')" 4 "all four installed"

# --- use ---------------------------------------------------------------------------------
run in_target teehost check --json
ok $(( rc > 1 )) "teehost check --json exits 0 or 1 (got $rc)"
[ -n "$out" ] && printf '%s' "$out" | jq -e '.summary.pass >= 0' >/dev/null
ok $? "check --json is JSON with a summary"
run in_target teehost sim -- teehost run /usr/share/teehost/sample.elf
is "$rc" 0 "teehost sim -- teehost run /usr/share/teehost/sample.elf"
like "$out" "add 2 40 = 42" "the installed sample enclave computes 2 + 40"
[ "$rc" = 0 ] || echo "# $err" | head -n 3
run in_target sh /work/inside.sh
is "$rc" 0 "the example and the drop-in, built against the installed packages"
printf '%s\n' "$out" | sed 's/^/#   /'
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/# /'
like "$out" "live: .*add 2 40 = 42" "examples/live.c built with pkg-config's flags runs the sample under teehost sim"
want_mr=$(printf '%s\n' "$out" | awk '$1 == "measure:" {print $2}')
like "$want_mr" '^[0-9a-f]{64}$' "teehost measure gives the installed sample's MRENCLAVE"
is "$(printf '%s\n' "$out" | awk '$1 == "enclave:" && $2 == "mrenclave" {print $3}')" "$want_mr" \
	"examples/enclave.c built with pkg-config's flags: teehost_image_measure equals teehost measure"
like "$out" "enclave: loaded on the [a-z]+ driver, 2 TCS" "examples/enclave.c loads the sample under teehost sim"
like "$out" "enclave: add 2 40 = 42" "examples/enclave.c: the sample answers add 2 40 = 42"
like "$out" "common: /usr/lib/x86_64-linux-gnu/teehost/libsgx_enclave_common.so.1" \
	"a program linked with -L/-rpath .../teehost loads the drop-in from there"
like "$out" "default: not found" "the drop-in is not on the linker's default path"

# --- purge -------------------------------------------------------------------------------
in_target dpkg -P $pkgs >"$TMP/purge.log" 2>&1
ok $? "dpkg -P of the four packages"
run in_target dpkg-query -W -f '${Package} ${Status}\n' $pkgs
is "$(printf '%s\n' "$out" | grep -c 'installed\|config-files')" 0 "none is installed or left with config files"
left=$(cd "$target" && find . -xdev \( -path ./work -o -path ./proc -o -path ./sys -o -path ./dev \) \
	-prune -o \( -iname '*teehost*' -o -name 'libsgx_*' -o -name '90-teehost-sgx.rules' \) -print)
is "$left" "" "no file named after teehost or Intel's libraries is left"
gone=0
for d in "$target"/work/*.deb; do
	while read -r f; do
		[ -e "$target/$f" ] || [ -L "$target/$f" ] && { echo "# left: $f"; gone=1; }
	done < <(dpkg-deb -c "$d" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./||')
done
is "$gone" 0 "no file of the packages is left"
echo "# deb test: $(( $(date +%s) - start )) s"
done_testing
