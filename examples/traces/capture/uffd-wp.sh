#!/bin/sh
# Captures uffd-wp.strace: builds uffd-wp.c (beside this script) and runs it under strace with
# the ioctl class added, so that ./devmirror replay sees the UFFDIO_* and PAGEMAP_SCAN calls.
#
# Usage: sudo examples/traces/capture/uffd-wp.sh [OUTPUT]   (default ./uffd-wp.strace)
# Needs gcc, strace, and a kernel with UFFD_FEATURE_WP_ASYNC, PAGEMAP_SCAN and UFFDIO_MOVE
# (Linux 6.8 or later); userfaultfd needs root or vm.unprivileged_userfaultfd=1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-uffd-wp.strace}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O1 -Wall -o "$work/uffd-wp" "$here/uffd-wp.c"
cd "$work"
strace -f -e trace=memory,process,ioctl,ftruncate,fallocate -o "$out" ./uffd-wp
