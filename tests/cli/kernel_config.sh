#!/usr/bin/env bash
# teehost kernel config/verify on the real thing: Debian's linux-source-6.12 with
# Debian's amd64 config and every profile. One run where every option sticks, and
# runs where one cannot, each reported with the reason from the tree's own Kconfig.
# The extracted tree is cached by the tarball's hash (kernel/tree-cache.sh).
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

tarball=/usr/src/linux-source-6.12.tar.xz
debian=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
if [ ! -r "$tarball" ] || [ ! -r "$debian" ]; then
	skip "config + proof on linux-source-6.12" "linux-source-6.12/linux-config-6.12 not installed (make deps)"
	done_testing
	exit 0
fi
if ! tree=$("$_lib_root/kernel/tree-cache.sh" "$tarball" 2>"$TMP/tree.err"); then
	skip "config + proof on linux-source-6.12" "cannot extract $tarball: $(cat "$TMP/tree.err")"
	done_testing
	exit 0
fi

# --- every profile on Debian's config: all stick ----------------------------------------
cd "$TMP" || exit 1
run "$TEEHOST" kernel config --src "$tree" --profile sgx-host --profile sev-snp-host \
	--profile snp-guest --profile tdx-guest --profile tdx-host --out "$TMP/all.config"
is "$rc" 0 "all profiles on Debian's config: exit 0"
like "$out" "base /usr/src/linux-config-6.12/config.amd64_none_amd64.xz" "Debian's config is the base"
for o in X86_SGX X86_SGX_KVM KVM_AMD_SEV AMD_MEM_ENCRYPT CRYPTO_DEV_CCP_DD CRYPTO_DEV_SP_PSP \
	SEV_GUEST TSM_REPORTS INTEL_TDX_GUEST TDX_GUEST_DRIVER INTEL_TDX_HOST KEXEC KEXEC_FILE; do
	like "$out" "^$o +[ymn] +[ymn] +ok " "table: $o ok"
done
like "$out" "KVM_INTEL_TDX +y +\(absent\) +absent-optional +tdx-host" "KVM_INTEL_TDX: not in 6.12, optional"
like "$err" "CONFIG_KVM_INTEL_TDX: note: this tree has no symbol KVM_INTEL_TDX" "absent optional symbol is reported"
like "$out" "wrote $TMP/all.config: [0-9]+ requested option\(s\), all as asked" "summary line"
grep -q '^CONFIG_X86_SGX_KVM=y$' all.config; ok $? "output has X86_SGX_KVM=y"
grep -q '^CONFIG_INTEL_TDX_HOST=y$' all.config; ok $? "output has INTEL_TDX_HOST=y"
grep -q '^# CONFIG_KEXEC is not set$' all.config; ok $? "tdx-host turned KEXEC off (the kdump cost)"
grep -q '^CONFIG_KVM_AMD_SEV=y$' all.config; ok $? "output has KVM_AMD_SEV=y"
is "$(ls -A "$TMP" | grep -v "^\.stderr$" | grep -c "^\.")" 0 "no temp files left beside the output"

# verify: the proof alone, on the config just made
run "$TEEHOST" kernel verify --src "$tree" --profile sgx-host --profile tdx-host "$TMP/all.config"
is "$rc" 0 "verify of the generated config: exit 0"

# --- a fragment that turns off a needed dependency --------------------------------------
echo '# CONFIG_KVM is not set' >"$TMP/nokvm.config"
echo 'sentinel' >"$TMP/keep.config"
run "$TEEHOST" kernel config --src "$tree" --profile sgx-host --fragment "$TMP/nokvm.config" \
	--out "$TMP/keep.config"
is "$rc" 1 "sgx-host + '# CONFIG_KVM is not set': exit 1"
line=$(printf '%s\n' "$err" | grep 'CONFIG_X86_SGX_KVM:')
like "$line" "^teehost: sgx-host: CONFIG_X86_SGX_KVM: asked y, got nothing \(absent from .config\): " \
	"error names X86_SGX_KVM, asked and got"
like "$line" "X86_SGX_KVM depends on VIRTUALIZATION \[=y\] && X86_SGX \[=y\] && KVM_INTEL \[=n\] \(FALSE\)" \
	"error shows the depends-on with values, false term marked"
like "$line" "KVM_INTEL depends on VIRTUALIZATION \[=y\] && KVM \[=n\] \(FALSE\)" "error names the false KVM term"
like "$line" "fix: add CONFIG_KVM=y \(or =m\) \($TMP/nokvm.config asks CONFIG_KVM=n\)" \
	"error gives the fix and who turned it off"
like "$err" "teehost: $TMP/keep.config: not written: 2 requested option\(s\) did not stick" "summary of failures"
is "$(cat "$TMP/keep.config")" "sentinel" "output not touched on failure"

# same, as JSON
run "$TEEHOST" kernel config --src "$tree" --profile sgx-host --fragment "$TMP/nokvm.config" \
	--out "$TMP/keep.config" --json
is "$rc" 1 "--json failure: exit 1"
if command -v jq >/dev/null; then
	is "$(printf '%s' "$out" | jq -r .ok)" "false" "--json: ok is false"
	is "$(printf '%s' "$out" | jq -r '.options[] | select(.name=="X86_SGX_KVM") | .status')" \
		"dropped" "--json: X86_SGX_KVM dropped"
	like "$(printf '%s' "$out" | jq -r '.options[] | select(.name=="X86_SGX_KVM") | .reason')" \
		"KVM \[=n\] \(FALSE\)" "--json: reason carries the false term"
else
	skip "--json checks" "jq not installed"
fi

# --- Debian's own config against tdx-host: the !KEXEC_CORE trap -------------------------
xz -dc "$debian" >"$TMP/debian.config"
run "$TEEHOST" kernel verify --src "$tree" --profile tdx-host "$TMP/debian.config"
is "$rc" 1 "Debian's config lacks TDX host: exit 1"
line=$(printf '%s\n' "$err" | grep 'CONFIG_INTEL_TDX_HOST:')
like "$line" "!KEXEC_CORE \[=y\] \(FALSE\)" "INTEL_TDX_HOST: the !KEXEC_CORE term is the false one"
like "$line" "fix: turn CONFIG_KEXEC_CORE off .* selected by KEXEC \[=y\]" "fix names what selects KEXEC_CORE"

# --- the KVM_AMD=y + CRYPTO_DEV_CCP_DD=m trap ------------------------------------------
printf 'CONFIG_KVM=y\nCONFIG_KVM_AMD=y\nCONFIG_CRYPTO_DEV_CCP_DD=m\n' >"$TMP/sevtrap.config"
printf 'CONFIG_TEEHOST_NO_SUCH_OPTION=y\n' >"$TMP/unknown.config"
run "$TEEHOST" kernel config --src "$tree" --profile sev-snp-host --fragment "$TMP/sevtrap.config" \
	--fragment "$TMP/unknown.config" --out "$TMP/sev.config"
is "$rc" 1 "KVM_AMD=y with CCP_DD=m: exit 1"
line=$(printf '%s\n' "$err" | grep 'CONFIG_KVM_AMD_SEV:')
like "$line" "asked y, got nothing" "KVM_AMD_SEV silently vanished, and is reported"
like "$line" "\(KVM_AMD \[=y\]!=y \[=y\] \|\| CRYPTO_DEV_CCP_DD \[=m\]!=m \[=m\]\) \(FALSE\)" \
	"the false term is kconfig's !(KVM_AMD=y && CRYPTO_DEV_CCP_DD=m)"
like "$line" "CRYPTO_DEV_CCP_DD \(now m, must not be m\)" "fix: CCP_DD"
like "$err" "teehost: $TMP/unknown.config: CONFIG_TEEHOST_NO_SUCH_OPTION: asked y, got nothing .*: this tree has no symbol TEEHOST_NO_SUCH_OPTION" \
	"a symbol the tree does not know is reported, not ignored"
[ ! -e "$TMP/sev.config" ]; ok $? "no output on failure"

done_testing
