/**
 * The CPU page table: a 4-level off-heap radix tree ({@link org.devmirror.mm.pagetable.CpuPageTable}) with the
 * PTE bit layout in {@link org.devmirror.mm.pagetable.PteLayout} and the table layout in
 * {@link org.devmirror.mm.pagetable.TableLayout}; nobody else computes an offset or a bit.
 *
 * <p>May use: the JDK only (foreign memory).
 */
package org.devmirror.mm.pagetable;
