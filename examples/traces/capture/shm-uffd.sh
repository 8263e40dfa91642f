#!/bin/bash
# Captures shm-uffd.strace: a small C program (shm_uffd.c beside this script) making the calls
# of devmirror's newer emitters for real: ftruncate and fallocate (PUNCH_HOLE) on a shared memfd
# mapping, and userfaultfd write protection (UFFDIO_REGISTER, UFFDIO_WRITEPROTECT) of private
# anonymous memory. Traced with ioctl, ftruncate and fallocate, plus memfd_create and
# userfaultfd so the trace shows where each descriptor comes from.
#
# Usage: sudo examples/traces/capture/shm-uffd.sh [OUTPUT]   (default ./shm-uffd.strace)
# Needs: strace and gcc (Debian: apt-get install strace gcc); userfaultfd needs root or
# vm.unprivileged_userfaultfd=1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-shm-uffd.strace}")
work=$(mktemp -d /tmp/shm-uffd.XXXXXX)
trap 'rm -rf "$work"' EXIT

gcc -O2 -Wall -Werror -o "$work/shm_uffd" "$here/shm_uffd.c"
strace -f -e trace=memory,process,ioctl,ftruncate,fallocate,memfd_create,userfaultfd -o "$out" "$work/shm_uffd"
echo "wrote $out ($(wc -l <"$out") lines)"
