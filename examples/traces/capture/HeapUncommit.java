import java.util.ArrayList;
import java.util.List;

/**
 * Grows the Java heap to about 384 MiB, lets it all become garbage, and waits for the garbage
 * collector to give the memory back to the kernel: the workload of the jvm-uncommit traces.
 * Every loop is bounded; the program ends by itself within about 15 seconds.
 */
public class HeapUncommit {
    /** 256 KiB: below half a G1 region, so the arrays are ordinary objects, not humongous ones. */
    private static final int CHUNK = 256 << 10;
    private static final int CHUNKS = 1536;

    public static void main(String[] args) throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        int rounds = 2;
        for (int round = 0; round < rounds; round++) {
            // 1. 384 MiB in 256 KiB arrays, each written every 4 KiB so every page of it is touched.
            List<byte[]> live = new ArrayList<>();
            for (int i = 0; i < CHUNKS; i++) {
                byte[] chunk = new byte[CHUNK];
                for (int off = 0; off < CHUNK; off += 4096) {
                    chunk[off] = (byte) (i + off);
                }
                live.add(chunk);
            }
            System.out.printf("round %d: committed %d MiB after allocating%n", round, rt.totalMemory() >> 20);

            // 2. All of it becomes garbage; a full collection shrinks the heap.
            live = null;
            System.gc();

            // 3. Wait (at most 6 s) until the collector has uncommitted most of the heap.
            for (int i = 0; i < 60 && rt.totalMemory() > (64L << 20); i++) {
                Thread.sleep(100);
            }
            System.out.printf("round %d: committed %d MiB after waiting%n", round, rt.totalMemory() >> 20);
        }
    }
}
