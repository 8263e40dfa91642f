package org.devmirror.device.driver;

import org.devmirror.notifier.MmuNotifierRange;

/**
 * The per-event invalidation policy the 2018 {@code mmu_notifier_event} patch made possible, as
 * the kernel-doc of {@code enum mmu_notifier_event} (include/linux/mmu_notifier.h) allows it and
 * real drivers apply it (drm_gpusvm/Xe drop ranges only on UNMAP; nouveau and dmirror skip their own
 * MIGRATE; nouveau skips its own EXCLUSIVE). Every invalidation takes the driver lock and calls
 * {@code mmu_interval_set_seq}, as the kernel-doc requires "unconditionally"; what differs per
 * event is the device work:
 * <table>
 *   <caption>Device work per event</caption>
 *   <tr><th>Event</th><th>Device work</th><th>Why it is enough</th></tr>
 *   <tr><td>UNMAP</td><td>zap, flush; mark the range unmapped for the garbage collector, which
 *       splits or removes the tracked range before the next device fault</td>
 *       <td>the pages are gone</td></tr>
 *   <tr><td>CLEAR</td><td>zap, flush; keep tracking (the device refaults)</td>
 *       <td>the frame may be replaced or freed</td></tr>
 *   <tr><td>PROTECTION_VMA</td><td>downgrade, flush now; re-read the CPU PTEs of every page at
 *       the end of the invalidation ({@link MirrorActions#rereadAtEnd}): what lost read is zapped,
 *       what the CPU still lets write regains WRITE</td>
 *       <td>mprotect, userfaultfd write-protect ({@code mwriteprotect_range}), PAGEMAP_SCAN's
 *       write-protect and NUMA hinting ({@code change_prot_numa}) all raise it; the last three
 *       leave the VMA's flags writable and take write (or all) access away in the PTEs, and a
 *       PAGEMAP_SCAN range can span several VMAs, so the VMA's flags decide nothing</td></tr>
 *   <tr><td>PROTECTION_PAGE</td><td>the same as PROTECTION_VMA</td>
 *       <td>fork's COW write-protect and {@code page_mkclean} change PTEs one by one</td></tr>
 *   <tr><td>SOFT_DIRTY</td><td>by default ({@link #INSTANCE}): nothing now; at the end of the
 *       invalidation, mark soft-dirty every page the device can write without the CPU
 *       ({@link MirrorActions#softDirtyAtEnd}). {@link #DOWNGRADE_SOFT_DIRTY}: downgrade, flush, so
 *       the device's next write faults through the CPU, which sets soft-dirty; device-private pages,
 *       which the device writes with no CPU path, are still marked at the end</td>
 *       <td>the kernel-doc of {@code MMU_NOTIFY_SOFT_DIRTY}: the user "should soft dirty the page in
 *       the end callback to make sure that anyone relying on soft dirtiness catch pages that might
 *       be written through non CPU mappings"</td></tr>
 *   <tr><td>RELEASE</td><td>zap, flush, mark unmapped</td><td>the address space is going away</td></tr>
 *   <tr><td>MIGRATE, EXCLUSIVE</td><td>nothing if this device started it (the driver updates
 *       its own PTEs, see below); otherwise as CLEAR</td><td></td></tr>
 * </table>
 *
 * <h2>TLB: one flush per invalidation</h2>
 * The policy tracks in 2 MiB ranges, each its own interval notifier, so an invalidation over N
 * populated ranges makes N callbacks. Like Xe, which zaps every range of a notifier the
 * invalidation meets and then issues one ranged TLB invalidation ({@code xe_svm_invalidate}), it
 * issues one flush for all of them ({@link MirrorActions#flushBatched}): in the last callback, or in
 * the mirror's {@code invalidate_range_start} that follows them, before the host changes a PTE. None
 * when nothing was zapped or downgraded.
 *
 * <h2>Which SOFT_DIRTY strategy is the default, and why</h2>
 * Both are safe (the oracle's soft-dirty check passes under either). Marking costs a walk of the
 * device PTEs and one CPU page-table write per writable page at the end of clear_refs, and nothing
 * afterwards; downgrading costs about the same walk now and then one whole device fault
 * ({@code hmm_range_fault} and a commit) per 2 MiB the device writes again. docs/perf.md has the
 * measured figures; marking is the cheaper one for any device that writes again what it wrote
 * before, so it is {@link #INSTANCE}. Marking over-reports: a page the device could write but did
 * not reads soft-dirty, which costs a soft-dirty user (CRIU's incremental dump) a page it did not
 * need; downgrading reports exactly the pages written.
 *
 * <h2>Own MIGRATE: why skipping it never leaves a stale translation</h2>
 * Both directions of a device's own migration raise MIGRATE with the device as owner: to device
 * memory ({@code DeviceMigration.toDevice}) and back to RAM, whether the driver starts it
 * ({@code DeviceMigration.toSystem}, the RELEASE command) or a CPU fault on a device-private page
 * does ({@code migrate_to_ram}, which devmirror's device serves with the same owner). The policy
 * skips both, which the AMD SVM design on drm_gpusvm avoids for the second. It is safe here because
 * the callback still takes the lock and calls {@code setSeq}, so no fault commits a snapshot from
 * before the migration, and because in every path the driver itself, under its lock, zaps the
 * device PTEs of every page it migrated before the migration's end: {@code DeviceMigration} zaps
 * the range it migrates in either direction ({@code zapForDriver}) before it maps the new pages,
 * and the device's {@code migrate_to_ram} does the same for the pages a CPU fault takes back.
 * After a skipped MIGRATE the device can therefore hold only translations the driver installed
 * after the migration, to the pages the CPU maps now; {@code MigrateOwnTest} checks each direction
 * with the oracle.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@link InvalidationPolicy}. Stateless: one instance serves any number of mirrors.
 *
 * <h2>Locking</h2>
 * Runs under the mirror's driver lock (see {@link InvalidationPolicy}).
 */
public final class EventAwarePolicy implements InvalidationPolicy {
    /** The shipped instance: SOFT_DIRTY marks soft-dirty at the end of the invalidation. */
    public static final EventAwarePolicy INSTANCE = new EventAwarePolicy(false);

    /** The alternative: SOFT_DIRTY downgrades device write, so the next device write faults through the CPU. */
    public static final EventAwarePolicy DOWNGRADE_SOFT_DIRTY = new EventAwarePolicy(true);

    /** SOFT_DIRTY strategy: downgrade (true) or mark at the end (false). */
    private final boolean downgradeSoftDirty;

    private EventAwarePolicy(boolean downgradeSoftDirty) {
        this.downgradeSoftDirty = downgradeSoftDirty;
    }

    @Override
    public String name() {
        return downgradeSoftDirty ? "event-aware (SOFT_DIRTY downgrades)" : "event-aware";
    }

    @Override
    @SuppressWarnings({"ReferenceEquality", "UnusedVariable"
    }) // owner tokens are compared by identity, as dmirror_interval_invalidate compares range->owner with the dmirror;
    // UnusedVariable: an expression, so a new MmuNotifierEvent fails to compile here (see the comment above)
    public void invalidate(MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
        // A switch expression, so that an event added to MmuNotifierEvent fails to compile here
        // instead of doing nothing; its value, the device PTEs changed now, is only for reading.
        long changedNow = switch (range.event()) {
            case UNMAP, RELEASE -> {
                long n = zapAndFlush(mirror, start, end);
                mirror.dropTracking(tracked, start, end);
                yield n;
            }
            case CLEAR -> zapAndFlush(mirror, start, end);
            // Which pages lose what is only known once the host is done (uffd-wp, NUMA hinting and
            // PAGEMAP_SCAN leave the VMA writable; fork and page_mkclean go page by page): stop
            // device writes now, decide per page from the CPU PTEs at the end.
            case PROTECTION_VMA, PROTECTION_PAGE -> {
                long n = downgradeAndFlush(mirror, start, end);
                mirror.rereadAtEnd(start, end);
                yield n;
            }
            case SOFT_DIRTY -> {
                long n = downgradeSoftDirty ? downgradeAndFlush(mirror, start, end) : 0;
                mirror.softDirtyAtEnd(start, end);
                yield n;
            }
            case MIGRATE, EXCLUSIVE -> {
                if (range.owner() != null && range.owner() == mirror.owner()) {
                    mirror.skip(); // this device started it and maps the result itself
                    yield 0;
                }
                yield zapAndFlush(mirror, start, end);
            }
        };
    }

    /** Zaps, and owes the batched TLB flush for what it zapped (one per invalidation, none if nothing). */
    private static long zapAndFlush(MirrorActions mirror, long start, long end) {
        long n = mirror.zap(start, end);
        mirror.flushBatched();
        return n;
    }

    /** Downgrades, and owes the batched TLB flush for what it changed (one per invalidation, none if nothing). */
    private static long downgradeAndFlush(MirrorActions mirror, long start, long end) {
        long n = mirror.downgrade(start, end);
        mirror.flushBatched();
        return n;
    }
}
