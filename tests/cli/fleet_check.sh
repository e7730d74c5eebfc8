#!/usr/bin/env bash
# teehost fleet check: two hosts (debootstrap chroots reached through Ansible's
# chroot connection, deploy/test-target.sh) and one that does not answer (SSH to a
# closed port on 127.0.0.1) give one report with three rows, in text, JSON and a
# self-contained HTML page checked with a headless Chromium screenshot.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"
# Ansible's state (even ansible-inventory's local temp) in this test's directory, not in HOME
export ANSIBLE_NOCOLOR=1 ANSIBLE_HOME=$TMP/ansible-home ANSIBLE_LOCAL_TEMP=$TMP/ansible-local \
	ANSIBLE_SSH_CONTROL_PATH_DIR=$TMP/ansible-cp ANSIBLE_REMOTE_TEMP=$TMP/ansible-remote ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_DEPRECATION_WARNINGS=0 ANSIBLE_HOST_KEY_CHECKING=0

printf '[lab]\n' >"$TMP/empty.ini"
run "$TEEHOST" fleet check --inventory "$TMP/empty.ini"
is "$rc" 1 "inventory naming no hosts: exit 1"
is "$err" "teehost: $TMP/empty.ini: inventory: names no hosts" "inventory naming no hosts: one-line error"

why=
[ "$(id -u)" = 0 ] || why="needs root (chroot)"
command -v ansible-playbook >/dev/null || why=${why:-"ansible not installed (make deps)"}
command -v debootstrap >/dev/null || why=${why:-"debootstrap not installed (make deps)"}
case $BUILD in
*-san) why=${why:-"the ASan teehost sent to the hosts cannot run there (no libasan); the normal build runs this, fuzz/fleet_record covers the reader under ASan"} ;;
esac
if [ -z "$why" ]; then
	for h in alpha beta; do
		"$_lib_root/deploy/test-target.sh" "$TMP/$h" >"$TMP/target.log" 2>&1 ||
			{ why="cannot make the chroot target: $(tail -n 1 "$TMP/target.log")"; break; }
	done
fi
if [ -n "$why" ]; then
	skip "fleet check of chroot hosts" "$why"
	done_testing
	exit 0
fi
trap 'rm -rf "$TMP"' EXIT
# beta is an SGX-looking host whose driver is missing: a cpuinfo flag only.
cat >"$TMP/inventory.ini" <<EOF2
[lab]
alpha ansible_connection=community.general.chroot ansible_host=$TMP/alpha ansible_become=false ansible_python_interpreter=/usr/bin/python3
beta ansible_connection=community.general.chroot ansible_host=$TMP/beta ansible_become=false ansible_python_interpreter=/usr/bin/python3
gone ansible_host=127.0.0.1 ansible_port=9 ansible_user=nobody ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'
EOF2

run "$TEEHOST" fleet check --inventory "$TMP/inventory.ini" --out "$TMP/report.html"
is "$rc" 1 "a host did not answer: exit 1"
is "$(printf '%s\n' "$out" | grep -c -E '^(alpha|beta|gone) ')" 3 "text: three rows"
like "$out" "alpha +[^ ]+ +not ready +not ready +not ready" "text: alpha's kernel and families"
like "$out" "gone +unreachable: " "text: the unreachable host is listed as such"
like "$out" "FAIL sgx\.cpu: " "text: a failing check"
like "$out" "fix: " "text: with its fix"

run "$TEEHOST" fleet check --inventory "$TMP/inventory.ini" --json
is "$rc" 1 "--json: exit 1"
is "$(printf '%s' "$out" | jq '.hosts | length')" 3 "json: three hosts"
is "$(printf '%s' "$out" | jq -r '[.hosts[].name] | join(" ")')" "alpha beta gone" "json: sorted by name"
is "$(printf '%s' "$out" | jq -r '.hosts[2].answered')" false "json: gone did not answer"
is "$(printf '%s' "$out" | jq -r '.hosts[0].kernel')" \
	"$(chroot "$TMP/alpha" /var/cache/teehost/fleet/teehost check --json | jq -r .host.kernel)" \
	"json: the kernel release the host's own teehost check reports"
is "$(printf '%s' "$out" | jq -r '.hosts[0].ready.sgx')" false "json: sgx not ready (no SGX here)"
is "$(printf '%s' "$out" | jq -r '[.hosts[0].issues[] | select(.id == "sgx.cpu")][0].fix | length > 0')" true \
	"json: the failing check carries its fix"
[ ! -e "$TMP/alpha/var/cache/teehost/fleet/teehost" ] || [ -x "$TMP/alpha/var/cache/teehost/fleet/teehost" ]
ok $? "teehost was sent to the host"

[ -s "$TMP/report.html" ]; ok $? "html: report written"
grep -q '<style>' "$TMP/report.html" && ! grep -q -E '<(script|link)[ >]' "$TMP/report.html"
ok $? "html: self-contained (inline style, no script or external link)"
is "$(grep -o '<tr><td>[a-z]*</td>' "$TMP/report.html" | wc -l)" 3 "html: three host rows"
is "$(grep -o 'class="notready"' "$TMP/report.html" | wc -l)" 6 "html: two answering hosts x three families not ready"
grep -q 'class="gone" colspan="4">unreachable' "$TMP/report.html"; ok $? "html: the unreachable host's row"
grep -q 'href="#h0-sgx"' "$TMP/report.html" && grep -q 'id="h0-sgx"' "$TMP/report.html"
ok $? "html: a grid cell links to its checks and fixes"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	skip "html screenshot" "chromium not installed"
else
	shot=${FLEET_SCREENSHOT:-$TMP/report.png}
	# crashpad keeps its "Crash Reports" under XDG_CONFIG_HOME whatever --user-data-dir says
	XDG_CONFIG_HOME=$TMP/chromium-config timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$TMP/chromium" --window-size=1100,700 --screenshot="$shot" \
		"file://$TMP/report.html" >"$TMP/chromium.log" 2>&1
	[ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	ok $? "html: chromium renders it (PNG screenshot)"
	# The grid's colours are on the page: red cells (#c62828) present in the pixels.
	if command -v python3 >/dev/null && python3 -c 'import PIL' 2>/dev/null; then
		python3 - "$shot" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
px = im.getdata()
red = sum(1 for p in px if abs(p[0]-0xc6) < 8 and abs(p[1]-0x28) < 8 and abs(p[2]-0x28) < 8)
grey = sum(1 for p in px if abs(p[0]-0x75) < 8 and abs(p[1]-0x75) < 8 and abs(p[2]-0x75) < 8)
sys.exit(0 if red > 500 and grey > 500 else 1)
PY
		ok $? "html screenshot: red (not ready) and grey (unreachable) cells are drawn"
	fi
fi

done_testing
