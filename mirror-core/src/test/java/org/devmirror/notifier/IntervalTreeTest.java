package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The augmented interval tree against a brute-force oracle, and its balance at a million nodes. */
class IntervalTreeTest {
    private static final IntervalNotifierOps NO_OPS = (sub, range, seq) -> true;

    /** A node with its insertion serial, so the oracle can order equal starts the way the tree does. */
    private record Entry(IntervalNotifier node, long serial) {}

    private static IntervalNotifier node(long start, long last) {
        IntervalNotifier n = new IntervalNotifier(NO_OPS);
        n.start = start;
        n.last = last;
        return n;
    }

    private static List<IntervalNotifier> query(IntervalTree tree, long first, long last) {
        List<IntervalNotifier> found = new ArrayList<>();
        int visited = tree.walkOverlaps(first, last, (n, r, s) -> found.add(n), null, 1);
        assertTrue(visited >= found.size(), "visited=" + visited + " < matches=" + found.size());
        IntervalNotifier probe = tree.firstOverlap(first, last);
        assertSame(found.isEmpty() ? null : found.get(0), probe, "firstOverlap must be the leftmost match");
        return found;
    }

    private static List<IntervalNotifier> oracle(List<Entry> live, long first, long last) {
        List<IntervalNotifier> found = new ArrayList<>();
        live.stream()
                .filter(e ->
                        Long.compareUnsigned(e.node.start, last) <= 0 && Long.compareUnsigned(first, e.node.last) <= 0)
                .sorted(Comparator.<Entry, Long>comparing(e -> e.node.start, Long::compareUnsigned)
                        .thenComparingLong(Entry::serial))
                .forEach(e -> found.add(e.node));
        return found;
    }

    /**
     * Random inserts, removals and queries (seeded) give exactly the oracle's matches in the
     * oracle's order, including queries that touch an interval's inclusive last byte, stop one
     * byte short of its start, and intervals at the top of the unsigned address space.
     */
    @Test
    void overlapQueriesMatchBruteForce() {
        SplittableRandom random = new SplittableRandom(0x5eed);
        IntervalTree tree = new IntervalTree();
        List<Entry> live = new ArrayList<>();
        long serial = 0;
        for (int round = 0; round < 4000; round++) {
            // Step 1: mostly insert, sometimes remove a random live node.
            if (live.isEmpty() || random.nextInt(3) != 0) {
                boolean high = random.nextInt(8) == 0; // near 0xffff...: unsigned comparisons matter
                long start = high ? -1L - random.nextLong(1 << 12) - 256 : random.nextLong(1 << 12);
                long last = start + random.nextLong(256);
                IntervalNotifier n = node(start, last);
                tree.insert(n);
                live.add(new Entry(n, serial++));
            } else {
                Entry victim = live.remove(random.nextInt(live.size()));
                tree.remove(victim.node);
                assertNull(victim.node.parent);
            }
            // Step 2: every few rounds check the red-black and augmentation invariants.
            if (round % 97 == 0) {
                tree.checkInvariants();
                assertEquals(live.size(), tree.size());
            }
            // Step 3: a random query, and edge queries around a random live interval.
            long first = random.nextInt(4) == 0 ? -1L - random.nextLong(1 << 12) - 256 : random.nextLong(1 << 12);
            long last = first + random.nextLong(64);
            assertEquals(oracle(live, first, last), query(tree, first, last), "query [" + first + ", " + last + "]");
            if (!live.isEmpty()) {
                IntervalNotifier some = live.get(random.nextInt(live.size())).node;
                long[][] edges = {
                    {some.last, some.last}, // touches the inclusive last byte
                    {some.last + 1, some.last + 8}, // starts just after it
                    {some.start - 8, some.start - 1}, // ends just before the start
                    {some.start, some.start}, // the first byte
                };
                for (long[] q : edges) {
                    if (Long.compareUnsigned(q[0], q[1]) <= 0) {
                        assertEquals(
                                oracle(live, q[0], q[1]),
                                query(tree, q[0], q[1]),
                                "edge query [0x" + Long.toHexString(q[0]) + ", 0x" + Long.toHexString(q[1]) + "]");
                    }
                }
            }
        }
        tree.checkInvariants();
    }

    /** Intervals with equal starts come back in insertion order, and removal keeps the others' order. */
    @Test
    void equalStartsKeepInsertionOrder() {
        IntervalTree tree = new IntervalTree();
        // Step 1: five intervals starting at 0x1000 with different ends, and one before them.
        List<IntervalNotifier> same = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            IntervalNotifier n = node(0x1000, 0x1fff + i);
            same.add(n);
            tree.insert(n);
        }
        IntervalNotifier before = node(0x0, 0x1000);
        tree.insert(before);
        // Step 2: the walk lists the earlier start first, then the equal starts as inserted.
        List<IntervalNotifier> expected = new ArrayList<>();
        expected.add(before);
        expected.addAll(same);
        assertEquals(expected, query(tree, 0x1000, 0x1000));
        // Step 3: removing the middle one keeps the rest in order.
        tree.remove(same.get(2));
        expected.remove(same.get(2));
        assertEquals(expected, query(tree, 0, 0x2000));
        tree.checkInvariants();
    }

    /** A visitor returning false stops the walk, which reports it as a negative count. */
    @Test
    void visitorCanStopTheWalk() {
        IntervalTree tree = new IntervalTree();
        for (int i = 0; i < 16; i++) {
            tree.insert(node(i * 0x1000L, i * 0x1000L + 0xfff));
        }
        int[] seen = new int[1];
        int result = tree.walkOverlaps(0, 0xffff, (n, r, s) -> ++seen[0] < 3, null, 1);
        assertTrue(result < 0, "stopped walk must be negative, was " + result);
        assertEquals(3, seen[0]);
        assertTrue(~result >= 3);
    }

    /**
     * A million intervals inserted in ascending order (the worst case for an unbalanced tree)
     * keep the red-black height bound, and a one-page query visits a few dozen nodes, not n.
     */
    @Test
    void millionSortedIntervalsStayBalanced() {
        int n = 1 << 20;
        IntervalTree tree = new IntervalTree();
        IntervalNotifier[] nodes = new IntervalNotifier[n];
        // Step 1: insert page-sized disjoint intervals in address order.
        for (int i = 0; i < n; i++) {
            nodes[i] = node((long) i << 12, ((long) i << 12) + 0xfff);
            tree.insert(nodes[i]);
        }
        // Step 2: height within 2 log2(n + 1), and invariants hold.
        int height = tree.checkInvariants();
        assertTrue(height <= 2 * 21, "height=" + height);
        // Step 3: a stabbing query costs O(log n); a 16-page query O(log n + 16).
        List<IntervalNotifier> one = query(tree, 0x12345L << 12, 0x12345L << 12);
        assertEquals(List.of(nodes[0x12345]), one);
        int visited = tree.walkOverlaps(0x12345L << 12, 0x12345L << 12, (x, r, s) -> true, null, 1);
        assertTrue(visited <= 2 * height, "visited=" + visited + " for one match, height=" + height);
        int visited16 = tree.walkOverlaps(0x40000L << 12, (0x40010L << 12) - 1, (x, r, s) -> true, null, 1);
        assertTrue(visited16 <= 2 * height + 2 * 16, "visited=" + visited16 + " for 16 matches");
        // Step 4: remove every other node; the rest stays balanced and queryable.
        for (int i = 0; i < n; i += 2) {
            tree.remove(nodes[i]);
        }
        assertEquals(n / 2, tree.size());
        tree.checkInvariants();
        assertEquals(List.of(nodes[0x12345]), query(tree, 0x12344L << 12, (0x12346L << 12) - 1));
    }
}
