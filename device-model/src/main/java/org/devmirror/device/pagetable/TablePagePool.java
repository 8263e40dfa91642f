package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.CHUNK_BYTES;
import static org.devmirror.device.pagetable.DevicePteLayout.CHUNK_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.NO_PAGE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Models the page allocator a device driver takes page-table pages from: a growable pool of
 * 4 KiB table pages in off-heap memory with a free list, laid out by {@link DevicePteLayout} (pool
 * chunk and table page diagrams).
 *
 * <p>Pages are zeroed when they are handed out, not when they are given back, as the kernel does
 * for its own page-table pages ({@code pte_alloc_one} asks for {@code __GFP_ZERO}): zapping a whole
 * PTE table then frees it without touching its 4 KiB, and the zeroing is paid by whoever needs the
 * table again, only if it is dirty, and not at all by a caller about to overwrite every slot.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Confined to its {@link OffHeapDevicePageTable}, which is itself used under the driver lock or at
 * quiescent points. A free page keeps the population it was freed with: 0 means every slot is
 * already zero (population counts non-zero slots), anything else means the page is dirty.
 * {@link #alloc()} hands out an all-zero table; {@link #allocForOverwrite()} one whose slots are
 * arbitrary. Memory grows one chunk at a time and is returned to the system only by
 * {@link #close()}; freed pages are reused first.
 *
 * <h2>Memory order</h2>
 * Every access is plain ({@code VarHandle.get}/{@code set}): the driver lock, or the join that
 * makes a read quiescent, orders all accesses, so no reader ever races a writer and acquire/release
 * would buy nothing. (A lock-free device walker would need getAcquire/setRelease on slots and
 * deferred freeing of table pages, as the kernel's RCU-freed page tables do; devmirror has none.)
 */
final class TablePagePool implements AutoCloseable {
    /** Plain access to one 8-byte slot at (chunk, byte offset). */
    private static final VarHandle SLOT = ValueLayout.JAVA_LONG.varHandle();
    /** Plain access to one int of a page descriptor at (chunk, byte offset). */
    private static final VarHandle DESCRIPTOR_INT = ValueLayout.JAVA_INT.varHandle();

    private final Arena arena = Arena.ofShared();
    /** 4 KiB of zeros: the source of the one bulk copy that clears a dirty page in {@link #alloc}. */
    private final MemorySegment zeroPage;
    /** chunks[0..chunkCount) are allocated; pool page p lives in chunks[p >>> CHUNK_SHIFT]. */
    private MemorySegment[] chunks = new MemorySegment[4];

    private int chunkCount;
    /** Head of the free list, linked through descriptors' next-free field; NO_PAGE when empty. */
    private int freeHead = NO_PAGE;
    /** Pages handed out and not yet freed. */
    private int inUse;

    TablePagePool() {
        zeroPage = arena.allocate(PAGE_SIZE, PAGE_SIZE);
    }

    /**
     * An all-zero table page with population 0; grows the pool by a chunk when none is free. A page
     * freed dirty is zeroed here with one bulk fill.
     */
    int alloc() {
        int page = take();
        MemorySegment chunk = chunk(page);
        if ((int) DESCRIPTOR_INT.get(chunk, DevicePteLayout.populationOffset(page)) != 0) {
            MemorySegment.copy(zeroPage, 0, chunk, DevicePteLayout.pageOffset(page), PAGE_SIZE);
            DESCRIPTOR_INT.set(chunk, DevicePteLayout.populationOffset(page), 0);
        }
        return page;
    }

    /**
     * A table page with population 0 whose slots may hold anything: for a caller that writes all
     * {@link DevicePteLayout#SLOTS} slots before anyone reads one, and then sets the population.
     */
    int allocForOverwrite() {
        int page = take();
        DESCRIPTOR_INT.set(chunk(page), DevicePteLayout.populationOffset(page), 0);
        return page;
    }

    /**
     * Returns {@code page} to the free list as it is: with population 0 it is clean; otherwise its
     * slots are cleared by the {@link #alloc()} that hands it out again.
     */
    void free(int page) {
        MemorySegment chunk = chunk(page);
        DESCRIPTOR_INT.set(chunk, DevicePteLayout.nextFreeOffset(page), freeHead);
        freeHead = page;
        inUse--;
    }

    /** Copies {@code count} slots of {@code page} from {@code firstSlot} into {@code dst[offset ..)}. */
    void readSlots(int page, int firstSlot, long[] dst, int offset, int count) {
        MemorySegment.copy(
                chunk(page), ValueLayout.JAVA_LONG, DevicePteLayout.slotOffset(page, firstSlot), dst, offset, count);
    }

    /** Stores {@code src[offset ..)} into {@code count} slots of {@code page} from {@code firstSlot}; plain writes. */
    void writeSlots(int page, int firstSlot, long[] src, int offset, int count) {
        MemorySegment.copy(
                src, offset, chunk(page), ValueLayout.JAVA_LONG, DevicePteLayout.slotOffset(page, firstSlot), count);
    }

    /** Non-zero slots among the {@code count} slots of {@code page} from {@code firstSlot}. */
    int nonZeroSlots(int page, int firstSlot, int count) {
        MemorySegment chunk = chunk(page);
        long offset = DevicePteLayout.slotOffset(page, firstSlot);
        int nonZero = 0;
        for (int i = 0; i < count; i++) {
            nonZero += (long) SLOT.get(chunk, offset + (long) i * DevicePteLayout.SLOT_BYTES) != 0 ? 1 : 0;
        }
        return nonZero;
    }

    /** Slot {@code slot} of {@code page}; plain read (see class javadoc). */
    long slotPlain(int page, int slot) {
        return (long) SLOT.get(chunk(page), DevicePteLayout.slotOffset(page, slot));
    }

    /** Stores slot {@code slot} of {@code page}; plain write (see class javadoc). */
    void setSlotPlain(int page, int slot, long value) {
        SLOT.set(chunk(page), DevicePteLayout.slotOffset(page, slot), value);
    }

    /** Non-zero slots of {@code page}. */
    int population(int page) {
        return (int) DESCRIPTOR_INT.get(chunk(page), DevicePteLayout.populationOffset(page));
    }

    /** Adds {@code delta} to the population of {@code page}; returns the new population. */
    int addPopulation(int page, int delta) {
        int population = population(page) + delta;
        DESCRIPTOR_INT.set(chunk(page), DevicePteLayout.populationOffset(page), population);
        return population;
    }

    /** The head of the free list, unlinked and counted in use. */
    private int take() {
        if (freeHead == NO_PAGE) {
            grow();
        }
        int page = freeHead;
        MemorySegment chunk = chunk(page);
        freeHead = (int) DESCRIPTOR_INT.get(chunk, DevicePteLayout.nextFreeOffset(page));
        DESCRIPTOR_INT.set(chunk, DevicePteLayout.nextFreeOffset(page), NO_PAGE);
        inUse++;
        return page;
    }

    /** Pages handed out. */
    int inUse() {
        return inUse;
    }

    /** Off-heap bytes reserved: every chunk plus the zero page. */
    long memoryBytes() {
        return chunkCount * CHUNK_BYTES + PAGE_SIZE;
    }

    @Override
    public void close() {
        arena.close();
    }

    private MemorySegment chunk(int page) {
        return chunks[DevicePteLayout.chunkOf(page)];
    }

    private void grow() {
        if (chunkCount == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
        }
        // Arena.allocate zero-fills: pages start clean and populations start at 0.
        MemorySegment chunk = arena.allocate(CHUNK_BYTES, PAGE_SIZE);
        int base = chunkCount * CHUNK_PAGES;
        chunks[chunkCount++] = chunk;
        // Push in reverse so the lowest page of the chunk is handed out first.
        for (int i = CHUNK_PAGES - 1; i >= 0; i--) {
            int page = base + i;
            DESCRIPTOR_INT.set(chunk, DevicePteLayout.nextFreeOffset(page), freeHead);
            freeHead = page;
        }
    }
}
