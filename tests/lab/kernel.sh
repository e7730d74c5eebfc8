#!/bin/sh
# Build, once, the lab kernel the roll-out scenarios deploy (good kernel; kernel
# without its TEE option): `teehost kernel build` of tests/lab/lab-sgx.recipe, tinyconfig
# and the sgx-host profile plus tests/lab/vm-kernel.config (virtio disk and NIC, ext4,
# what systemd and sshd need, no initramfs), from Debian's linux-source-6.12.
# Installing its small .deb in a VM under TCG takes seconds where Debian's full 6.12
# package took about 10 minutes: no modules to speak of, and no update-initramfs.
#   TEEHOST=build/teehost tests/lab/kernel.sh   prints the build output directory
#     (linux-image-RELEASE_*.deb, linux-RELEASE.tar.gz, manifest.json, build.log)
# Cache: $TEEHOST_LAB_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/teehost/lab-vm (the lab
# image's), in kernel-KEY, KEY the sha256 of the inputs: the source tarball's sha256,
# the recipe, the fragment, the profile and the compiler's version (listed in
# kernel-KEY/inputs). Another key's build is removed once a new one is in place. A
# failed build never becomes the cached one (`teehost kernel build` renames its
# output into place only on success; here in a temp dir first).
# Needs linux-source-6.12 and the kernel build deps (make deps); -j${JOBS:-2}. Not niced:
# in a cold CI run this build, then the VMs, are the longest chain of the suite (a nice 10
# build starved beside the other tests' kernel builds and took 38 minutes to finish).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
teehost=${TEEHOST:?TEEHOST: the teehost binary}
export TEEHOST_DATADIR="${TEEHOST_DATADIR:-$top/kernel}"
cache=${TEEHOST_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/teehost/lab-vm}
tarball=/usr/src/linux-source-6.12.tar.xz
recipe=$here/lab-sgx.recipe
tree=$("$top/kernel/tree-cache.sh" "$tarball")
inputs=$(
	echo "source $(basename "$tree")"
	for f in "$recipe" "$here/vm-kernel.config" "$TEEHOST_DATADIR/profiles/sgx-host.config"; do
		echo "$(sha256sum <"$f" | cut -d' ' -f1) ${f#"$top/"}"
	done
	echo "compiler $(${CC:-gcc} --version | head -n 1)"
)
key=$(printf '%s\n' "$inputs" | sha256sum | cut -c1-16)
out=$cache/kernel-$key
if [ -f "$out/manifest.json" ] && [ -f "$out/inputs" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
echo "lab kernel: config + build of $recipe (minutes)" >&2
"$teehost" kernel config --recipe "$recipe" --src "$tree" --out "$tmp/lab.config" >"$tmp/config.log" 2>&1 ||
	{ tail -n 5 "$tmp/config.log" >&2; exit 1; }
"$teehost" kernel build --recipe "$recipe" --src "$tree" --config "$tmp/lab.config" \
	--out "$tmp/out" --jobs "${JOBS:-2}" --epoch 1700000000 >"$tmp/build.log" 2>&1 ||
	{ tail -n 5 "$tmp/build.log" >&2; exit 1; }
printf '%s\n' "$inputs" >"$tmp/out/inputs"
mv "$tmp/out" "$out"
for old in "$cache"/kernel-*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
echo "$out"
