package org.devmirror.notifier;

/**
 * Models the kernel's augmented interval tree ({@code include/linux/interval_tree_generic.h},
 * instantiated in lib/interval_tree.c) as used by {@code mmu_notifier_subscriptions.itree}: a
 * red-black tree ordered by interval start whose every node also records the largest inclusive
 * {@code last} of its subtree, so that a stabbing query prunes every subtree that ends before the
 * query begins.
 *
 * <p>The nodes are the {@link IntervalNotifier} objects themselves (intrusive {@code left},
 * {@code right}, {@code parent}, {@code red} and {@code subtreeLast} fields), so insertion,
 * removal and queries allocate nothing. Addresses compare <em>unsigned</em>, as the kernel's
 * {@code unsigned long} does: {@code last} may be as high as {@code 0xffff_ffff_ffff_fffe}.
 *
 * <h2>Cost</h2>
 * Insert and remove are O(log n) and iterative (no recursion). {@link #walkOverlaps} recurses
 * only into left children, so its depth is bounded by the tree height (at most
 * {@code 2 log2(n + 1)}, 40 for a million intervals). It visits O(log n + k) nodes when the k
 * matching intervals are disjoint (the usual case: one driver mirroring distinct ranges), and
 * never more than O(min(n, k log n)), the same bound as the kernel's
 * {@code interval_tree_iter_first}/{@code _next}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Not thread-safe. {@link MmuNotifierSubscriptions} mutates it only under its lock and only while
 * its sequence is even; while the sequence is odd the tree is frozen and any number of threads
 * may walk it concurrently without the lock (the walk only reads node fields).
 */
final class IntervalTree {
    /** Called by {@link #walkOverlaps} for each intersecting node, in ascending start order. */
    interface Visitor {
        /** Visits one node; returns {@code false} to stop the walk (the node is still counted as visited). */
        boolean visit(IntervalNotifier node, MmuNotifierRange range, long curSeq);
    }

    private IntervalNotifier root;
    private int size;
    /** Work of the last firstOverlap probe; written and read under the owner's lock. */
    private int probeVisits;

    /** Number of nodes in the tree. */
    int size() {
        return size;
    }

    /** Nodes entered by the last {@link #firstOverlap} probe; meaningful to the probing thread only. */
    int probeVisits() {
        return probeVisits;
    }

    // ---------------------------------------------------------------- queries

    /**
     * The leftmost node intersecting {@code [first, last]} (inclusive), or {@code null}: the
     * kernel's {@code interval_tree_iter_first}. Iterative; records its work in
     * {@link #probeVisits()}.
     */
    IntervalNotifier firstOverlap(long first, long last) {
        int visits = 0;
        IntervalNotifier node = root;
        if (node == null || Long.compareUnsigned(node.subtreeLast, first) < 0) {
            probeVisits = 0;
            return null;
        }
        // Invariant: some node of this subtree ends at or after 'first'.
        while (true) {
            visits++;
            IntervalNotifier left = node.left;
            if (left != null && Long.compareUnsigned(first, left.subtreeLast) <= 0) {
                node = left; // the leftmost candidate is down there
                continue;
            }
            if (Long.compareUnsigned(node.start, last) > 0) {
                break; // this node and everything right of it start too late
            }
            if (Long.compareUnsigned(first, node.last) <= 0) {
                probeVisits = visits;
                return node;
            }
            IntervalNotifier right = node.right;
            if (right == null || Long.compareUnsigned(right.subtreeLast, first) < 0) {
                break;
            }
            node = right;
        }
        probeVisits = visits;
        return null;
    }

    /**
     * Calls {@code visitor} on every node intersecting {@code [first, last]} (inclusive), in
     * ascending start order, until it returns {@code false}.
     *
     * @return the number of nodes visited, or its bitwise complement ({@code ~visited}, always
     *         negative) when the visitor stopped the walk
     */
    int walkOverlaps(long first, long last, Visitor visitor, MmuNotifierRange range, long curSeq) {
        IntervalNotifier node = root;
        if (node == null || Long.compareUnsigned(node.subtreeLast, first) < 0) {
            return 0;
        }
        return walk(node, first, last, visitor, range, curSeq);
    }

    /** Pruned in-order walk of a subtree known to end at or after {@code first}. */
    private static int walk(
            IntervalNotifier node, long first, long last, Visitor visitor, MmuNotifierRange range, long curSeq) {
        int visited = 0;
        while (true) {
            visited++;
            IntervalNotifier left = node.left;
            if (left != null && Long.compareUnsigned(first, left.subtreeLast) <= 0) {
                int inLeft = walk(left, first, last, visitor, range, curSeq);
                if (inLeft < 0) {
                    return ~(visited + ~inLeft);
                }
                visited += inLeft;
            }
            if (Long.compareUnsigned(node.start, last) > 0) {
                return visited; // ordered by start: nothing to the right can intersect
            }
            if (Long.compareUnsigned(first, node.last) <= 0 && !visitor.visit(node, range, curSeq)) {
                return ~visited;
            }
            // The right subtree is iterated, not recursed, so the stack depth is bounded by the
            // number of left turns on a root-to-leaf path.
            node = node.right;
            if (node == null || Long.compareUnsigned(node.subtreeLast, first) < 0) {
                return visited;
            }
        }
    }

    // ---------------------------------------------------------------- insert

    /** Inserts a detached node whose {@code start} and {@code last} are set. O(log n), no recursion. */
    void insert(IntervalNotifier node) {
        long start = node.start;
        long last = node.last;
        IntervalNotifier parent = null;
        IntervalNotifier cursor = root;
        boolean goLeft = false;
        // Descend as rb_insert_augmented does, raising subtreeLast along the path so that the
        // only augmentation work left is inside rotations.
        while (cursor != null) {
            if (Long.compareUnsigned(cursor.subtreeLast, last) < 0) {
                cursor.subtreeLast = last;
            }
            parent = cursor;
            // Equal starts go right, like interval_tree_insert(): later inserts visit later.
            goLeft = Long.compareUnsigned(start, cursor.start) < 0;
            cursor = goLeft ? cursor.left : cursor.right;
        }
        node.left = null;
        node.right = null;
        node.parent = parent;
        node.red = true;
        node.subtreeLast = last;
        if (parent == null) {
            root = node;
        } else if (goLeft) {
            parent.left = node;
        } else {
            parent.right = node;
        }
        size++;
        insertFixup(node);
    }

    private void insertFixup(IntervalNotifier node) {
        IntervalNotifier parent;
        while ((parent = node.parent) != null && parent.red) {
            IntervalNotifier grand = parent.parent; // exists: a red node is never the root
            if (parent == grand.left) {
                IntervalNotifier uncle = grand.right;
                if (isRed(uncle)) {
                    parent.red = false;
                    uncle.red = false;
                    grand.red = true;
                    node = grand;
                    continue;
                }
                if (node == parent.right) {
                    rotateLeft(parent);
                    node = parent;
                    parent = node.parent;
                }
                parent.red = false;
                grand.red = true;
                rotateRight(grand);
            } else {
                IntervalNotifier uncle = grand.left;
                if (isRed(uncle)) {
                    parent.red = false;
                    uncle.red = false;
                    grand.red = true;
                    node = grand;
                    continue;
                }
                if (node == parent.left) {
                    rotateRight(parent);
                    node = parent;
                    parent = node.parent;
                }
                parent.red = false;
                grand.red = true;
                rotateLeft(grand);
            }
        }
        root.red = false;
    }

    // ---------------------------------------------------------------- remove

    /** Removes a node that is in this tree and clears its links. O(log n), no recursion. */
    void remove(IntervalNotifier node) {
        IntervalNotifier child;
        IntervalNotifier childParent;
        boolean removedBlack;
        if (node.left == null || node.right == null) {
            child = node.left != null ? node.left : node.right;
            childParent = node.parent;
            removedBlack = !node.red;
            transplant(node, child);
        } else {
            // Two children: the in-order successor takes the node's place and colour.
            IntervalNotifier successor = node.right;
            while (successor.left != null) {
                successor = successor.left;
            }
            removedBlack = !successor.red;
            child = successor.right;
            if (successor.parent == node) {
                childParent = successor;
            } else {
                childParent = successor.parent;
                transplant(successor, child);
                successor.right = node.right;
                successor.right.parent = successor;
            }
            transplant(node, successor);
            successor.left = node.left;
            successor.left.parent = successor;
            successor.red = node.red;
        }
        // Every subtree whose membership changed lies on the path from childParent to the root
        // (the successor, if it moved, is on that path too). Fix the augmentation there before
        // rebalancing, whose rotations keep it correct locally.
        for (IntervalNotifier up = childParent; up != null; up = up.parent) {
            up.subtreeLast = subtreeLastOf(up);
        }
        if (removedBlack) {
            removeFixup(child, childParent);
        }
        node.left = null;
        node.right = null;
        node.parent = null;
        node.red = false;
        size--;
    }

    private void removeFixup(IntervalNotifier node, IntervalNotifier parent) {
        // 'node' carries an extra black; it may be null (a leaf), hence the explicit parent.
        while (node != root && !isRed(node)) {
            if (node == parent.left) {
                IntervalNotifier sibling = parent.right;
                if (sibling.red) {
                    sibling.red = false;
                    parent.red = true;
                    rotateLeft(parent);
                    sibling = parent.right;
                }
                if (!isRed(sibling.left) && !isRed(sibling.right)) {
                    sibling.red = true;
                    node = parent;
                    parent = node.parent;
                    continue;
                }
                if (!isRed(sibling.right)) {
                    sibling.left.red = false;
                    sibling.red = true;
                    rotateRight(sibling);
                    sibling = parent.right;
                }
                sibling.red = parent.red;
                parent.red = false;
                sibling.right.red = false;
                rotateLeft(parent);
            } else {
                IntervalNotifier sibling = parent.left;
                if (sibling.red) {
                    sibling.red = false;
                    parent.red = true;
                    rotateRight(parent);
                    sibling = parent.left;
                }
                if (!isRed(sibling.left) && !isRed(sibling.right)) {
                    sibling.red = true;
                    node = parent;
                    parent = node.parent;
                    continue;
                }
                if (!isRed(sibling.left)) {
                    sibling.right.red = false;
                    sibling.red = true;
                    rotateLeft(sibling);
                    sibling = parent.left;
                }
                sibling.red = parent.red;
                parent.red = false;
                sibling.left.red = false;
                rotateRight(parent);
            }
            node = root;
            parent = null;
        }
        if (node != null) {
            node.red = false;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static boolean isRed(IntervalNotifier node) {
        return node != null && node.red;
    }

    private static long subtreeLastOf(IntervalNotifier node) {
        long max = node.last;
        IntervalNotifier left = node.left;
        IntervalNotifier right = node.right;
        if (left != null && Long.compareUnsigned(left.subtreeLast, max) > 0) {
            max = left.subtreeLast;
        }
        if (right != null && Long.compareUnsigned(right.subtreeLast, max) > 0) {
            max = right.subtreeLast;
        }
        return max;
    }

    /** Replaces {@code old} by {@code replacement} (possibly null) in old's parent. */
    private void transplant(IntervalNotifier old, IntervalNotifier replacement) {
        IntervalNotifier parent = old.parent;
        if (parent == null) {
            root = replacement;
        } else if (parent.left == old) {
            parent.left = replacement;
        } else {
            parent.right = replacement;
        }
        if (replacement != null) {
            replacement.parent = parent;
        }
    }

    /**
     * A rotation keeps the set of nodes under the pair, so the new top inherits the old top's
     * subtreeLast and only the node that went down is recomputed (the kernel's augment_rotate).
     */
    private void rotateLeft(IntervalNotifier top) {
        IntervalNotifier up = top.right;
        top.right = up.left;
        if (up.left != null) {
            up.left.parent = top;
        }
        transplant(top, up);
        up.left = top;
        top.parent = up;
        up.subtreeLast = top.subtreeLast;
        top.subtreeLast = subtreeLastOf(top);
    }

    private void rotateRight(IntervalNotifier top) {
        IntervalNotifier up = top.left;
        top.left = up.right;
        if (up.right != null) {
            up.right.parent = top;
        }
        transplant(top, up);
        up.right = top;
        top.parent = up;
        up.subtreeLast = top.subtreeLast;
        top.subtreeLast = subtreeLastOf(top);
    }

    /**
     * Checks the red-black and augmentation invariants and the node count; returns the tree
     * height. Linear time, for tests.
     *
     * @throws IllegalStateException naming the first broken invariant
     */
    int checkInvariants() {
        if (root != null && (root.red || root.parent != null)) {
            throw new IllegalStateException("root is red or has a parent");
        }
        int[] count = new int[1];
        checkSubtree(root, count);
        if (count[0] != size) {
            throw new IllegalStateException("size=" + size + " but the tree holds " + count[0] + " nodes");
        }
        return height(root);
    }

    /** @return the black height of the subtree */
    private static int checkSubtree(IntervalNotifier node, int[] count) {
        if (node == null) {
            return 1;
        }
        count[0]++;
        for (IntervalNotifier child : new IntervalNotifier[] {node.left, node.right}) {
            if (child != null && child.parent != node) {
                throw new IllegalStateException(
                        "child of start=0x" + Long.toHexString(node.start) + " has a wrong parent");
            }
            if (child != null && node.red && child.red) {
                throw new IllegalStateException(
                        "red node start=0x" + Long.toHexString(node.start) + " has a red child");
            }
        }
        if ((node.left != null && Long.compareUnsigned(node.left.start, node.start) > 0)
                || (node.right != null && Long.compareUnsigned(node.right.start, node.start) < 0)) {
            throw new IllegalStateException("node start=0x" + Long.toHexString(node.start) + " is out of order");
        }
        int leftBlack = checkSubtree(node.left, count);
        int rightBlack = checkSubtree(node.right, count);
        if (leftBlack != rightBlack) {
            throw new IllegalStateException("black heights differ under start=0x" + Long.toHexString(node.start));
        }
        if (node.subtreeLast != subtreeLastOf(node)) {
            throw new IllegalStateException("subtreeLast of start=0x" + Long.toHexString(node.start) + " is stale");
        }
        return leftBlack + (node.red ? 0 : 1);
    }

    private static int height(IntervalNotifier node) {
        // Iterative over the left spine would miss the deepest path; recursion depth is the
        // height itself, at most 2 log2(n + 1).
        return node == null ? 0 : 1 + Math.max(height(node.left), height(node.right));
    }
}
