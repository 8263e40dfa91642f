package org.devmirror.replay;

import java.util.HashSet;
import java.util.Set;
import org.devmirror.device.Dmirror;
import org.devmirror.mm.AddressSpace;

/**
 * One address space of the traced program, with the tasks running in it (a process and its
 * {@code CLONE_VM} threads or vfork children), its program break, and one device mirror per
 * replayed device.
 */
final class TracedProcess {
    final AddressSpace mm;
    final Dmirror[] mirrors;
    // per mirror: pages it has faulted in at least once, to tell a refault from a first fault
    final Set<Long>[] faultedPages;
    // tasks whose calls apply to mm; the space is torn down when this reaches 0
    int tasks = 1;
    // [brkStart, brkEnd): the heap as the last brk left it; -1 until the first brk(NULL) answer
    long brkStart = -1;
    long brkEnd = -1;

    @SuppressWarnings("unchecked")
    TracedProcess(AddressSpace mm, Dmirror[] mirrors) {
        this.mm = mm;
        this.mirrors = mirrors;
        // Java has no generic array creation; the array holds only the HashSets made below.
        @SuppressWarnings("unchecked")
        Set<Long>[] pages = (Set<Long>[]) new Set<?>[mirrors.length];
        this.faultedPages = pages;
        for (int i = 0; i < mirrors.length; i++) {
            faultedPages[i] = new HashSet<>();
        }
    }
}
