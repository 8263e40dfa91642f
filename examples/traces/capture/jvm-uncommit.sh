#!/bin/bash
# Captures a JVM with a 1 GiB maximum heap that grows its heap to about 600 MiB twice, and each
# time gives it back to the kernel after a full collection (HeapUncommit.java beside this script):
#
# - g1 -> jvm-g1-uncommit.strace: HotSpot on Linux commits G1 heap regions with
#   mmap(MAP_FIXED, PROT_READ|PROT_WRITE) and uncommits them by mapping PROT_NONE, MAP_NORESERVE
#   anonymous memory over them; glibc returns exited threads' stacks and arenas with
#   madvise(MADV_DONTNEED).
# - zgc -> jvm-zgc-uncommit.strace: ZGC backs its heap with a memfd, maps it MAP_SHARED at fixed
#   addresses, commits with fallocate and uncommits with fallocate(FALLOC_FL_PUNCH_HOLE), so
#   this one is traced with ioctl, ftruncate and fallocate too.
#
# Usage: examples/traces/capture/jvm-uncommit.sh g1|zgc [OUTPUT]   (default ./jvm-GC-uncommit.strace)
# Needs: strace (Debian: apt-get install strace) and a JDK 25 (JAVA_HOME, default
# /usr/lib/jvm/temurin-25-jdk-amd64). The program ends by itself within about 15 seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
gc=${1:?usage: $0 g1|zgc [OUTPUT]}
[[ $gc == g1 || $gc == zgc ]] || { echo "$0: gc=$gc is neither g1 nor zgc" >&2; exit 2; }
out=$(realpath -m "${2:-jvm-$gc-uncommit.strace}")
classes=$(mktemp -d /tmp/jvm-uncommit.XXXXXX)
trap 'rm -rf "$classes"' EXIT

# 1. Compile outside the trace, so the traced JVM runs only the workload.
"$java_home/bin/javac" -d "$classes" "$here/HeapUncommit.java"

# 2. G1: 4 MiB regions (what G1 picks for heaps of 8 GiB and more) keep the trace to a few
#    hundred commits; the free ratios make G1 shrink the heap to its 32 MiB minimum after each
#    System.gc(), and the periodic collection every 500 ms uncommits whatever is left.
#    ZGC: memory unused for 1 s is uncommitted.
case $gc in
    g1) strace -f -e trace=memory,process -o "$out" \
            "$java_home/bin/java" -Xms32m -Xmx1g -XX:+UseG1GC -XX:G1HeapRegionSize=4m \
            -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:G1PeriodicGCInterval=500 \
            -cp "$classes" HeapUncommit ;;
    zgc) strace -f -e trace=memory,process,ioctl,ftruncate,fallocate -o "$out" \
            "$java_home/bin/java" -Xms32m -Xmx1g -XX:+UseZGC -XX:ZUncommitDelay=1 \
            -cp "$classes" HeapUncommit ;;
esac
echo "wrote $out ($(wc -l <"$out") lines)"
