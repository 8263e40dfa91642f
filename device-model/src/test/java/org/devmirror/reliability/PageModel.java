package org.devmirror.reliability;

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
    /** The contents of one page (or of one file page): every 8-byte word holds {@code word}. */
    static final class Cell {
        long word;
        /** After MADV_FREE: the page may also read as {@code alt} (discarded) until the next write. */
        boolean either;

        long alt;

        Cell(long word) {
            this.word = word;
        }

        Cell copy() {
            Cell c = new Cell(word);
            c.either = either;
            c.alt = alt;
            return c;
        }

        boolean allows(long actual) {
            return actual == word || (either && actual == alt);
        }

        void store(long value) {
            word = value;
            either = false;
        }

        void add(long delta) {
            word += delta;
            alt += delta;
        }

        @Override
        public String toString() {
            return "0x" + Long.toHexString(word) + (either ? " or 0x" + Long.toHexString(alt) : "");
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
