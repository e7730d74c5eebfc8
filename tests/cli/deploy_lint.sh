#!/usr/bin/env bash
# The Ansible content (deploy/: role teehost_kernel, the deploy, rollback and
# fleet-check playbooks) passes ansible-lint's production profile.
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT
case $BUILD in
*-san) skip "ansible-lint of deploy/" "no build involved: runs once, with the normal build"; done_testing; exit 0 ;;
esac
if ! command -v ansible-lint >/dev/null; then
	skip "ansible-lint of deploy/" "ansible-lint not installed (make deps)"
	done_testing
	exit 0
fi
cd "$_lib_root/deploy" || exit 1
run env HOME="$TMP" XDG_CACHE_HOME="$TMP/cache" ANSIBLE_LOCAL_TEMP="$TMP/ansible" ansible-lint --nocolor --offline -p \
	teehost-kernel.yml teehost-kernel-rollback.yml teehost-fleet-check.yml roles/teehost_kernel
is "$rc" 0 "ansible-lint: exit 0"
like "$out$err" "Passed with production profile: 0 failure\(s\), 0 warning\(s\)" "production profile, no failure or warning"
done_testing
