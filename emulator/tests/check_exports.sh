#!/bin/sh
# libsdemu exports exactly the functions its public headers declare.
# Usage: check_exports.sh LIBSDEMU.so HEADER...
set -eu
lib=$1
shift
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort)
declared=$(cat "$@" | grep -oE '\bemu_[a-z0-9_]+\(' | tr -d '(' | sort -u)
if [ "$exported" != "$declared" ]; then
    echo "exported and declared differ (< exported, > declared):"
    echo "$exported" >"${TMPDIR:-/tmp}/emu_exported.$$"
    echo "$declared" >"${TMPDIR:-/tmp}/emu_declared.$$"
    diff "${TMPDIR:-/tmp}/emu_exported.$$" "${TMPDIR:-/tmp}/emu_declared.$$" || true
    rm -f "${TMPDIR:-/tmp}/emu_exported.$$" "${TMPDIR:-/tmp}/emu_declared.$$"
    exit 1
fi
echo "ok: $(echo "$exported" | wc -l) symbols"
