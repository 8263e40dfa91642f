package org.devmirror.device.oracle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The result of a {@link SafetyOracle} or {@link DataCheck} run: how many translations (or pages)
 * were checked and a description of each violation found. Immutable.
 */
public final class OracleReport {
    /** Violations described in full; more are only counted. */
    static final int MAX_DESCRIBED = 64;

    private final String subject;
    private final long checked;
    private final long violationCount;
    private final List<String> violations;
    private final List<String> kernelFindings;

    OracleReport(
            String subject, long checked, long violationCount, List<String> violations, List<String> kernelFindings) {
        this.subject = subject;
        this.checked = checked;
        this.violationCount = violationCount;
        this.violations = Collections.unmodifiableList(new ArrayList<>(violations));
        this.kernelFindings = Collections.unmodifiableList(new ArrayList<>(kernelFindings));
    }

    /** What was checked, e.g. {@code "mirror 0 of mm 1 (event-aware)"}. */
    public String subject() {
        return subject;
    }

    /** Device translations (4 KiB equivalents), TLB entries or pages checked. */
    public long checked() {
        return checked;
    }

    /** Number of violations found (also those not described). */
    public long violationCount() {
        return violationCount;
    }

    /** Descriptions of the first violations, e.g. {@code "va=0x1000: device maps pfn=0x2a, CPU maps pfn=0x31"}. */
    public List<String> violations() {
        return violations;
    }

    /**
     * What the kernel itself loses and no driver can prevent, seen while checking (the first few):
     * not violations of the device, and not counted in {@link #violationCount}. Two kinds: a device
     * write into an entry PAGEMAP_SCAN left writable and uffd-wp at once, and, under a policy that
     * does not mark soft-dirty itself, a page pagemap reports clean that the device wrote through
     * an entry on which no fault marks it ({@code DeviceWriteLog}).
     */
    public List<String> kernelFindings() {
        return kernelFindings;
    }

    /** {@code true} when no violation was found. */
    public boolean isClean() {
        return violationCount == 0;
    }

    /** A summary followed by the described violations, one per line. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(subject)
                .append(": ")
                .append(checked)
                .append(" checked, ")
                .append(violationCount)
                .append(violationCount == 1 ? " violation" : " violations");
        for (String v : violations) {
            sb.append(System.lineSeparator()).append("  ").append(v);
        }
        if (violationCount > violations.size()) {
            sb.append(System.lineSeparator())
                    .append("  ... ")
                    .append(violationCount - violations.size())
                    .append(" more");
        }
        return sb.toString();
    }

    /** Accumulates a report. */
    static final class Builder {
        private final String subject;
        private long checked;
        private long count;
        private final List<String> described = new ArrayList<>();
        private final List<String> kernel = new ArrayList<>();

        Builder(String subject) {
            this.subject = subject;
        }

        void checked(long n) {
            checked += n;
        }

        void violation(String description) {
            count++;
            if (described.size() < MAX_DESCRIBED) {
                described.add(description);
            }
        }

        void kernelFinding(String description) {
            if (kernel.size() < MAX_DESCRIBED) {
                kernel.add(description);
            }
        }

        OracleReport build() {
            return new OracleReport(subject, checked, count, described, kernel);
        }
    }
}
