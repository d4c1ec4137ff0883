#!/bin/sh
# Fails when the shared library exports a symbol outside the isoIec23465_ prefix.
set -eu
lib="$1"
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | grep -v '^isoIec23465_' | grep -v '^SDPROXY_0$' || true)
if [ -n "$bad" ]; then
    echo "unexpected exports:"; echo "$bad"; exit 1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' isoIec23465_' || true)
[ "$n" -gt 40 ] || { echo "only $n isoIec23465_ symbols exported"; exit 1; }
echo "$n isoIec23465_ symbols exported, nothing else"
