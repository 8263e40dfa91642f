"""The workload of numpy-arrays.strace: large anonymous NumPy arrays allocated, written,
computed on and freed, in a bounded number of rounds."""
import numpy as np

MIB = 1 << 20

for round_ in range(3):
    # 64 MiB arrays: above glibc's largest mmap threshold (32 MiB), so each is its own mmap,
    # advised MADV_HUGEPAGE by NumPy, and munmap-ed when freed.
    a = np.ones(64 * MIB // 8)
    b = np.arange(64 * MIB // 8, dtype=np.float64)
    c = a * 2.0 + b
    total = float(c.sum())
    del a, b

    # 8 MiB arrays: the first round mmaps them too; freeing them raises glibc's mmap threshold
    # above 8 MiB, so later rounds take them from the heap (brk), which shrinks again when they
    # are freed.
    small = [np.full(8 * MIB // 8, i, dtype=np.float64) for i in range(4)]
    total += sum(float(s[-1]) for s in small)
    del small, c
    print(f"round {round_}: {total:.0f}")
