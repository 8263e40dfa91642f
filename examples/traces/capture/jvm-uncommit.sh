#!/bin/bash
# Captures jvm-g1-uncommit.strace: a JVM with a 1 GiB maximum heap (G1) that grows its heap to
# about 600 MiB twice, and each time gives it back to the kernel after a full collection
# (HeapUncommit.java beside this script). HotSpot on Linux commits heap regions with
# mmap(MAP_FIXED, PROT_READ|PROT_WRITE) and uncommits them by mapping PROT_NONE, MAP_NORESERVE
# anonymous memory over them; glibc returns exited threads' stacks and arenas with
# madvise(MADV_DONTNEED).
#
# Usage: examples/traces/capture/jvm-uncommit.sh [OUTPUT]   (default ./jvm-g1-uncommit.strace)
# Needs: strace (Debian: apt-get install strace) and a JDK 25 (JAVA_HOME, default
# /usr/lib/jvm/temurin-25-jdk-amd64). The program ends by itself within about 15 seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
out=$(realpath -m "${1:-jvm-g1-uncommit.strace}")
classes=$(mktemp -d /tmp/jvm-uncommit.XXXXXX)
trap 'rm -rf "$classes"' EXIT

# 1. Compile outside the trace, so the traced JVM runs only the workload.
"$java_home/bin/javac" -d "$classes" "$here/HeapUncommit.java"

# 2. 4 MiB regions (what G1 picks for heaps of 8 GiB and more) keep the trace to a few hundred
#    commits; the free ratios make G1 shrink the heap to its 32 MiB minimum after each
#    System.gc(), and the periodic collection every 500 ms uncommits whatever is left.
strace -f -e trace=memory,process -o "$out" \
    "$java_home/bin/java" -Xms32m -Xmx1g -XX:+UseG1GC -XX:G1HeapRegionSize=4m \
    -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:G1PeriodicGCInterval=500 \
    -cp "$classes" HeapUncommit
echo "wrote $out ($(wc -l <"$out") lines)"
