#!/bin/sh
# Fails when the API header declares an isoIec23465_* function that sdc_api.h does not route
# through its table (a test calling it would bypass --proxy).
# usage: check_api_complete.sh isoiec23465.h sdc_api.h
set -eu
missing=0
for f in $(grep -o 'isoIec23465_[A-Za-z_]*(' "$1" | sed 's/($//' | sort -u); do
    if ! grep -q "define $f(" "$2"; then
        echo "sdc_api.h lacks $f"
        missing=1
    fi
done
exit $missing
