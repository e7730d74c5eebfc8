#!/usr/bin/env bash
# The command table: dispatch, help generated from it, exit codes.
source "$(dirname "$0")/../lib.sh"

run "$TEEHOST" --help
is "$rc" 0 "--help exits 0"
like "$out" "^Usage: teehost COMMAND" "--help prints usage"
like "$out" "  version +print the teehost version" "help lists commands from the table"

run "$TEEHOST"
is "$rc" 2 "no command is a usage error"

run "$TEEHOST" vers
is "$rc" 2 "prefixes are not accepted"
is "$err" "teehost: 'vers' is not a command (see 'teehost --help')" "unknown command message"

run "$TEEHOST" version
is "$rc" 0 "version exits 0"
like "$out" "^teehost [0-9a-f]" "version prints a version"

run "$TEEHOST" version extra
is "$rc" 2 "version rejects arguments"

done_testing
