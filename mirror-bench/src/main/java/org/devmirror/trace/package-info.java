/**
 * The {@code strace} reader: decodes the memory-management calls of a trace (mmap, munmap, mprotect, mremap, madvise,
 * brk, fork and exit) with their flags and results, and says why it skips the lines it skips.
 *
 * <p>May use: the JDK only.
 */
package org.devmirror.trace;
