#!/bin/bash
# Captures numpy-arrays.strace: Debian's Python 3 with NumPy allocating, writing and freeing
# 64 MiB and 8 MiB arrays (numpy_arrays.py beside this script): large anonymous mmap/munmap
# with madvise(MADV_HUGEPAGE), and a brk heap that grows and shrinks.
#
# Usage: examples/traces/capture/numpy-arrays.sh [OUTPUT]   (default ./numpy-arrays.strace)
# Needs: strace and python3-numpy (Debian: apt-get install strace python3-numpy). The script
# runs /usr/bin/python3, Debian's interpreter, whatever python3 comes first on PATH. OpenBLAS
# is limited to one thread so the trace holds the workload rather than idle BLAS threads.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-numpy-arrays.strace}")
OPENBLAS_NUM_THREADS=1 strace -f -e trace=memory,process -o "$out" /usr/bin/python3 "$here/numpy_arrays.py"
echo "wrote $out ($(wc -l <"$out") lines)"
