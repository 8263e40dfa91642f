package org.devmirror.reliability;

import java.util.Arrays;
import org.devmirror.mm.Prot;

/**
 * The reference model of one page of one address space, for the data check: its protection and
 * the contents the CPU must see. Every test write stores a whole page of identical 8-byte words,
 * and the device atomic adds to every word, so a page's contents are one 64-bit word, repeated.
 *
 * <p>Private pages own their {@link Cell}; the pages of a shared file mapping share the file's
 * cell for that file page, across mappings and address spaces.
 */
final class PageModel {
    /**
     * The contents of one page (or of one file page): every 8-byte word holds one of a set of
     * possible words. A write makes the set one word again; {@code MADV_FREE} adds 0 to it (reclaim
     * may discard the page, and the next touch then finds a zero page); a device atomic adds its
     * delta to every member, since it may land on the kept page or on the zero page that replaced
     * it. A second {@code MADV_FREE} after an atomic must keep "zero plus the atomic" and add a
     * new zero: the page may have been discarded before the atomic, or after it.
     */
    static final class Cell {
        /** The possible words, {@code words[0..count)}, no two equal; {@code words[0]} is the word last written. */
        private long[] words = new long[2];

        private int count;

        Cell(long word) {
            words[0] = word;
            count = 1;
        }

        Cell copy() {
            Cell c = new Cell(0);
            c.words = words.clone();
            c.count = count;
            return c;
        }

        boolean allows(long actual) {
            for (int i = 0; i < count; i++) {
                if (words[i] == actual) {
                    return true;
                }
            }
            return false;
        }

        void store(long value) {
            words[0] = value;
            count = 1;
        }

        void add(long delta) {
            for (int i = 0; i < count; i++) {
                words[i] += delta;
            }
        }

        /** {@code MADV_FREE}: the page keeps what it may hold now, or reclaim discards it and it reads 0. */
        void mayBeDiscarded() {
            if (allows(0)) {
                return;
            }
            if (count == words.length) {
                words = Arrays.copyOf(words, count * 2);
            }
            words[count++] = 0;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < count; i++) {
                sb.append(i == 0 ? "" : " or ").append("0x").append(Long.toHexString(words[i]));
            }
            return sb.toString();
        }
    }

    final int prot;
    final Cell cell;
    /** Page index in the shared file, or -1 for a private anonymous page. */
    final long filePage;

    PageModel(int prot, Cell cell, long filePage) {
        this.prot = prot;
        this.cell = cell;
        this.filePage = filePage;
    }

    boolean shared() {
        return filePage >= 0;
    }

    boolean readable() {
        return (prot & Prot.READ) != 0;
    }

    boolean writable() {
        return (prot & Prot.WRITE) != 0;
    }

    PageModel withProt(int newProt) {
        return new PageModel(newProt, cell, filePage);
    }

    /** The page in a forked child: a private page gets its own copy, a shared one stays shared. */
    PageModel forkCopy() {
        return shared() ? this : new PageModel(prot, cell.copy(), filePage);
    }

    /** The 8-byte word a page filled with {@code b} holds. */
    static long fillWord(int b) {
        return (b & 0xffL) * 0x0101010101010101L;
    }
}
