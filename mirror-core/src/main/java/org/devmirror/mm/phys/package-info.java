/**
 * Physical memory: off-heap page frames and their allocator, struct-page bookkeeping
 * ({@link org.devmirror.mm.phys.PhysicalMemory}, {@link org.devmirror.mm.phys.FrameAllocator},
 * {@link org.devmirror.mm.phys.FrameLayout}) and the swap device ({@link org.devmirror.mm.phys.SwapDevice},
 * {@link org.devmirror.mm.phys.SwapLayout}).
 *
 * <p>May use: the JDK only (foreign memory).
 */
package org.devmirror.mm.phys;
