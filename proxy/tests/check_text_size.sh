#!/bin/sh
# Footprint (issue #5): fails when the code and read-only data of the stripped shared library
# (Berkeley "text" of size(1): .text, .rodata, .eh_frame, dynamic symbol tables...) exceed the
# budget in bytes. Usage: check_text_size.sh LIBRARY BUDGET
set -eu
lib=$1
budget=$2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
strip -o "$tmp" "$lib"
text=$(size "$tmp" | awk 'NR == 2 { print $1 }')
echo "$(basename "$lib"): stripped text $text bytes (budget $budget)"
if [ "$text" -gt "$budget" ]; then
    echo "FAIL: over budget by $((text - budget)) bytes" >&2
    exit 1
fi
