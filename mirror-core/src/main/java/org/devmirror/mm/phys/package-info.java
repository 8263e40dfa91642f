/**
 * Physical memory: off-heap page frames behind {@link org.devmirror.mm.phys.PhysicalMemory}, which
 * puts together the free lists ({@link org.devmirror.mm.phys.FrameAllocator}), the struct-page
 * bookkeeping ({@link org.devmirror.mm.phys.PageRefs}, laid out by
 * {@link org.devmirror.mm.phys.PageRefLayout}) and the frames' contents
 * ({@link org.devmirror.mm.phys.FrameContents}, laid out by
 * {@link org.devmirror.mm.phys.FrameContentsLayout}); and the swap device
 * ({@link org.devmirror.mm.phys.SwapDevice}, {@link org.devmirror.mm.phys.SwapLayout}).
 *
 * <p>May use: the JDK only (foreign memory).
 */
package org.devmirror.mm.phys;
