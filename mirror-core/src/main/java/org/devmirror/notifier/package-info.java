/**
 * The mmu-notifier core, modelled on mm/mmu_notifier.c and include/linux/mmu_notifier.h: how a
 * device mirror learns that the host is about to change the CPU page tables of an address
 * space, and how its fault path detects that it raced with such a change.
 *
 * <h2>Types</h2>
 * <ul>
 *   <li>{@link org.devmirror.notifier.MmuNotifierSubscriptions} — per address space: the interval
 *       tree, the global odd/even sequence, the deferred list, the classic subscribers.</li>
 *   <li>{@link org.devmirror.notifier.IntervalNotifier} — one driver subscription to one inclusive
 *       interval, with its own sequence; also the tree node.</li>
 *   <li>{@link org.devmirror.notifier.IntervalNotifierOps}, {@link org.devmirror.notifier.MmuNotifier}
 *       — the callbacks; {@link org.devmirror.notifier.MmuNotifierRange} and
 *       {@link org.devmirror.notifier.MmuNotifierEvent} — what is invalidated and why.</li>
 *   <li>{@code IntervalTree} (package-private) — the augmented red-black tree.</li>
 * </ul>
 *
 * <h2>The collision-retry protocol</h2>
 * It is a seqcount that admits many writers at once. The writers are host threads changing
 * PTEs; the readers are device fault paths copying PTEs into the device page table. The global
 * sequence {@code S} starts at 2; even means no interval is being invalidated. Each notifier
 * has its own sequence {@code s}, always odd once inserted.
 *
 * <pre>
 *  host thread (writer)                    device fault thread (reader)
 *  --------------------                    ----------------------------
 *                                          seq = sub.readBegin()
 *                                            [lock] s == S ? no: seq = s (odd, old)
 *  invalidateRangeStart(range)
 *    [lock] active++                        hmm_range_fault(..): reads CPU PTEs
 *           range hits sub: S |= 1            (may read PTEs about to change)
 *    ops.invalidate(sub, range, S):
 *      driver.lock()
 *        sub.setSeq(S)        ---- s = S ---------------------------------+
 *        zap device PTEs                                                   |
 *      driver.unlock()        ---- release of driver lock ------------+   |
 *  change CPU PTEs                                                     |   |
 *  invalidateRangeEnd(range)                                           |   |
 *    [lock] --active == 0 and S odd:                                   |   |
 *           S++ (even), apply deferred inserts/removes, signalAll      |   |
 *                                          driver.lock()   &lt;-- acquire --+   |
 *                                          sub.readRetry(seq): s != seq &lt;-----+
 *                                            true: unlock, start again from readBegin
 *                                          driver.unlock()
 *
 *  The retry readBegin then finds s == S only while a period that invalidated sub is still
 *  open, and waits for S to move on; afterwards it returns s and the fault succeeds.
 * </pre>
 *
 * <p>Why it is safe: a reader commits device PTEs only under the driver lock after
 * {@code readRetry} is false. Any invalidation that touched the interval after the reader's
 * {@code readBegin} called {@code setSeq} under that same lock, so either it ran entirely before
 * the reader's critical section (and {@code readBegin} waited for its period to end, so the
 * reader saw the new PTEs) or its {@code setSeq} is visible to {@code readRetry}, which reports
 * the collision. Invalidations that started after the commit zap the committed entries.
 *
 * <h3>Sequence states (global S, under the internal lock)</h3>
 * <ul>
 *   <li>active == 0, S even: idle. Inserts and removes change the tree at once; a new
 *       notifier gets {@code s = S - 1} (odd, never equal to a future S until wrap-around).</li>
 *   <li>active &gt; 0, S even: ranges are in flight but none hit an interval. The tree may still
 *       change; an insert makes S odd (we cannot know the in-flight ranges) and gets {@code s = S}.</li>
 *   <li>active &gt; 0, S odd: the tree is frozen and walked without the lock. Inserts and
 *       removes go to the deferred list; a deferred insert gets {@code s = S}, so its first
 *       {@code readBegin} waits for the period to end. All nested and concurrent invalidations
 *       share this one odd value, and the last end makes S even.</li>
 * </ul>
 *
 * <h2>Memory model</h2>
 * <table>
 *   <caption>Access modes and what they pair with</caption>
 *   <tr><th>Field</th><th>Write</th><th>Read</th><th>Pairs with</th></tr>
 *   <tr><td>subscriptions {@code invalidateSeq} (S)</td>
 *       <td>{@code setRelease}, always under the internal lock</td>
 *       <td>plain under the lock (readBegin, remove, end); {@code getAcquire} in
 *           {@code sequence()}</td>
 *       <td>the lock for lock holders; the release store for lockless observers</td></tr>
 *   <tr><td>notifier {@code invalidateSeq} (s)</td>
 *       <td>{@code setOpaque} in {@code setSeq} (WRITE_ONCE), under the driver lock; and at insert
 *           under the internal lock</td>
 *       <td>plain in {@code readRetry} under the driver lock; {@code getOpaque} (READ_ONCE) in
 *           {@code checkRetry} and {@code readBegin}</td>
 *       <td>the driver lock orders setSeq before readRetry; opaque reads are hints, closed by an
 *           eventual readRetry (as the kernel says: "barriers are not needed here")</td></tr>
 *   <tr><td>{@code hasSubscribers}</td><td>{@code setRelease} under the lock, set once</td>
 *       <td>{@code getAcquire}</td><td>a host seeing true also sees the subscriptions' state</td></tr>
 *   <tr><td>classic notifier array</td><td>volatile, copy-on-write under the lock</td>
 *       <td>volatile read per dispatch</td><td>the kernel's RCU list; unregister then waits
 *           for dispatches begun before it (synchronize_srcu)</td></tr>
 *   <tr><td>tree links</td><td>plain, under the lock, only while S is even</td>
 *       <td>plain; without the lock while S is odd</td><td>the walker's lock acquisition in
 *           start happened after the last change; none can follow until S is even</td></tr>
 *   <tr><td>work counters</td><td>{@code setOpaque}</td><td>{@code getOpaque}</td>
 *       <td>statistics only, no ordering</td></tr>
 * </table>
 *
 * <h2>Blocking</h2>
 * {@code readBegin}, {@code remove}, {@code unregister} and {@code release} may wait on the
 * internal lock's condition (the kernel's wait queue). A thread that is between invalidate-start
 * and -end of an address space would wait for itself there; the core records such threads and
 * throws {@code IllegalStateException} instead, which is what the kernel's lockdep map
 * {@code __mmu_notifier_invalidate_range_start_map} reports. Callbacks never run under the
 * internal lock.
 */
package org.devmirror.notifier;
