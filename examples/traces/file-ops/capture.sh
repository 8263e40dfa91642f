#!/bin/sh
# Builds file_ops.c and traces it as examples/traces/file-ops/file-ops.strace (see examples/traces/README.md).
# fallocate(PUNCH_HOLE) and MADV_REMOVE need a file system that punches holes (ext4, xfs, tmpfs);
# elsewhere they fail with EOPNOTSUPP and the trace shows "= -1".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
gcc -O1 -o "$work/file_ops" "$here/file_ops.c"
strace -f -e trace=memory,process,ioctl,ftruncate,fallocate -o "$here/file-ops.strace" "$work/file_ops"
rm -rf "$work"
