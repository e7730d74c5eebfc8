#!/usr/bin/env bash
# Print "id<TAB>status" for every check of `teehost check --json` read on stdin.
grep -o '"id":"[^"]*","status":"[a-z]*"' | sed 's/"id":"\([^"]*\)","status":"\([a-z]*\)"/\1\t\2/'
