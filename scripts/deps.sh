#!/bin/sh
# Install the Debian packages named on the command line that are not installed yet.
# Quiet when everything is present; idempotent.
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "teehost: missing build dependencies:$missing" >&2
	echo "teehost: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "teehost: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null
