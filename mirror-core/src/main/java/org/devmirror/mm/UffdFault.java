package org.devmirror.mm;

/**
 * A userfault waiting for its handler: the {@code struct uffd_msg} of a
 * {@code UFFD_EVENT_PAGEFAULT} with {@code UFFD_PAGEFAULT_FLAG_WRITE | UFFD_PAGEFAULT_FLAG_WP},
 * and the faulting thread blocked in {@code handle_userfault} until an un-protecting
 * {@code UFFDIO_WRITEPROTECT} wakes it. devmirror models write-protect faults only.
 *
 * @param address the page-aligned faulting address ({@code msg.arg.pagefault.address} without
 *                {@code UFFD_FEATURE_EXACT_ADDRESS})
 * @param write   {@code UFFD_PAGEFAULT_FLAG_WRITE}
 * @param wp      {@code UFFD_PAGEFAULT_FLAG_WP}
 */
public record UffdFault(long address, boolean write, boolean wp) {}
