package org.devmirror.notifier;

/** Test fixture: a classic subscriber that counts its callbacks and can refuse non-blockable starts. */
@SuppressWarnings(
        "NonAtomicVolatileUpdate") // one invalidating thread at a time in these tests; volatile so the test thread
// reads the counts
public class RecordingMmuNotifier implements MmuNotifier {
    private final boolean refuseNonBlockable;
    private volatile int starts;
    private volatile int ends;
    private volatile int releases;
    private volatile Object releasedMm;

    public RecordingMmuNotifier(boolean refuseNonBlockable) {
        this.refuseNonBlockable = refuseNonBlockable;
    }

    @Override
    public boolean invalidateRangeStart(MmuNotifierRange range) {
        starts = starts + 1; // one invalidating thread at a time in these tests
        return range.isBlockable() || !refuseNonBlockable;
    }

    @Override
    public void invalidateRangeEnd(MmuNotifierRange range) {
        ends = ends + 1;
    }

    @Override
    public void release(Object mm) {
        releasedMm = mm;
        releases = releases + 1;
    }

    public int starts() {
        return starts;
    }

    public int ends() {
        return ends;
    }

    public int releases() {
        return releases;
    }

    public Object releasedMm() {
        return releasedMm;
    }
}
