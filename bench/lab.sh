#!/usr/bin/env bash
# Ansible on a lab VM (tests/lab/vm.sh, the cached image of tests/lab/image.sh): the same
# playbook of LAB_TASKS tasks (default 10: command, stat and copy, as the teehost_kernel role
# runs them) with pipelining on, as the role's defaults set it, against the baseline in the
# same run on the same VM: Ansible's default (a copy, a chmod and a run per task). Best of
# LAB_ROUNDS (3) each, alternating. Prints the seconds and the ratio pipelined / default.
# Needs root, QEMU and Ansible, and the lab image (a cold one is built first: minutes).
set -u
BUILD=${BUILD:-build}
export BUILD TEEHOST=${TEEHOST:-$PWD/$BUILD/teehost}
source "$(dirname "$0")/../tests/lib.sh"
source "$_lib_root/tests/lab/vm.sh"
rounds=${LAB_ROUNDS:-3} tasks=${LAB_TASKS:-10}
why=$(TEEHOST_KERNEL_E2E=1 lab_why)
if [ -n "$why" ]; then
	echo "-- lab ansible: skipped ($why)"
	_done=1
	exit 0
fi
trap 'lab_vm_stop_all; rm -rf "$TMP"' EXIT
lab_image || exit 1
lab_vm_start bench && lab_vm_wait_ssh bench || exit 1
lab_ansible_env
{ echo "[lab]"; lab_inventory_line bench; } >"$TMP/inv"
{
	printf -- '- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n'
	for ((i = 0; i < tasks; i++)); do
		case $((i % 3)) in
		0) printf '    - ansible.builtin.command: uname -r\n      changed_when: false\n' ;;
		1) printf '    - ansible.builtin.stat: {path: /boot}\n' ;;
		2) printf '    - ansible.builtin.copy: {content: "%d\\n", dest: /tmp/bench-lab, mode: "0644"}\n' "$i" ;;
		esac
	done
} >"$TMP/play.yml"
# best SECONDS of a playbook run, PIPELINING being 0 or 1
best_default= best_piped=
for ((r = 0; r < rounds; r++)); do
	for p in 0 1; do
		t0=$(date +%s.%N)
		ANSIBLE_PIPELINING=$p ansible-playbook -i "$TMP/inv" "$TMP/play.yml" >"$TMP/play.log" 2>&1 ||
			{ tail -n 5 "$TMP/play.log"; exit 1; }
		t=$(echo "$(date +%s.%N) - $t0" | bc)
		if [ "$p" = 0 ]; then
			[ -z "$best_default" ] || [ "$(echo "$t < $best_default" | bc)" = 1 ] && best_default=$t
		else
			[ -z "$best_piped" ] || [ "$(echo "$t < $best_piped" | bc)" = 1 ] && best_piped=$t
		fi
	done
done
printf -- '-- lab ansible, %d tasks on a %s VM, best of %d: default %.1f s, pipelining %.1f s, ratio %.2f\n' \
	"$tasks" "$(lab_accel)" "$rounds" "$best_default" "$best_piped" "$(echo "$best_piped / $best_default" | bc -l)"
_done=1
