package org.devmirror.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.replay.ReplayModel;
import org.devmirror.replay.ReplayResult;
import org.devmirror.replay.TraceReplay;
import org.devmirror.trace.StraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./devmirror compare}: the first table of report.md holds, per trace and policy, what a
 * replay of that trace under that policy reports itself (priced by the profile named), with the
 * cheapest oracle-clean policy marked; bad profiles and traces exit 2 before anything runs.
 */
class CompareCommandTest {
    private static final String TRACES = "../examples/traces/";
    private static final List<String> SMALL = List.of("ls-timestamps", "shm-uffd");
    private static final List<String> POLICIES = List.of("aware", "blind");

    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();

    @Test
    void firstTableHoldsWhatEachReplayReports() throws IOException {
        for (String profileName : List.of("xe-4k", "pcie4-dgpu")) {
            Path out = dir.resolve(profileName);
            assertEquals(
                    0,
                    cli.devmirror(
                            "compare",
                            "--policy",
                            String.join(",", POLICIES),
                            "--cost-profile",
                            profileName,
                            "--out",
                            out.toString(),
                            SMALL.get(0),
                            TRACES + SMALL.get(1) + ".strace"),
                    cli.err::toString);
            CostProfile profile = CostProfile.named(profileName);
            List<String[]> rows = firstTable(Files.readString(out.resolve("report.md")));
            assertEquals(SMALL.size() * POLICIES.size(), rows.size());
            int i = 0;
            for (String trace : SMALL) {
                StraceReader.Trace read = StraceReader.readAll(Path.of(TRACES + trace + ".strace"));
                double bestNs = Double.MAX_VALUE;
                String best = null;
                List<ReplayResult> results = new ArrayList<>();
                for (String policy : POLICIES) {
                    ReplayResult r =
                            TraceReplay.replay(read, PolicyResolver.resolve("policy", policy), ReplayModel.defaults());
                    results.add(r);
                    double ns = r.work().time(profile).totalNs();
                    if (r.oracleClean() && ns < bestNs) {
                        bestNs = ns;
                        best = policy;
                    }
                }
                for (int p = 0; p < POLICIES.size(); p++) {
                    String[] row = rows.get(i++);
                    ReplayResult r = results.get(p);
                    assertEquals(p == 0 ? trace : "", row[0]);
                    assertEquals(POLICIES.get(p), row[1]);
                    String ms = String.format(
                            Locale.ROOT, "%.3f", r.work().time(profile).totalNs() / 1e6);
                    boolean isBest = POLICIES.get(p).equals(best);
                    assertEquals(isBest ? "**" + ms + "**" : ms, row[2], Arrays.toString(row));
                    assertEquals(
                            String.format(
                                    Locale.ROOT, "%.2f", r.work().time(profile).totalNs() / bestNs),
                            row[3]);
                    assertEquals(Long.toString(r.work().faults()), row[4]);
                    assertEquals(Long.toString(r.work().totalTlbFlushes()), row[5]);
                    assertEquals(Long.toString(r.oracleChecks()), row[6]);
                    assertEquals(Long.toString(r.oracleViolations()), row[7]);
                    assertEquals(isBest ? "**best**" : "", row[8]);
                    assertTrue(r.oracleChecks() > 0, "the oracle ran");
                }
            }
            String report = Files.readString(out.resolve("report.md"));
            assertTrue(report.contains("## Cost profile `" + profileName + "`"), report);
            assertTrue(report.contains("\"tlbInvalidationNs\": " + Math.round(profile.tlbInvalidationNs())), report);
            assertTrue(Files.size(out.resolve("device-time.png")) > 0);
            assertTrue(Files.size(out.resolve("device-time.svg")) > 0);
            assertTrue(cli.out.toString().contains("report: " + out.resolve("report.md")), cli.out::toString);
        }
    }

    @Test
    void aProfileFileIsUsedByName() throws IOException {
        Path out = dir.resolve("file");
        assertEquals(
                0,
                cli.devmirror(
                        "compare",
                        "--policy",
                        "aware",
                        "--cost-profile",
                        "../examples/cost/slow-tlb.json",
                        "--out",
                        out.toString(),
                        "uffd-wp"),
                cli.err::toString);
        assertTrue(Files.readString(out.resolve("report.md")).contains("under the `slow-tlb` cost profile"));
    }

    @Test
    void badProfilesAndTracesAreBadInputAndNothingRuns() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(
                bad, Files.readString(Path.of("../examples/cost/slow-tlb.json")).replace("\"gts\": 2", "\"gts\": -2"));
        Path out = dir.resolve("never");
        assertEquals(2, cli.devmirror("compare", "--cost-profile", bad.toString(), "--out", out.toString(), "uffd-wp"));
        assertEquals(
                "devmirror compare: " + bad + ": $.gts: must be a whole number from 1 to 2147483647, found -2\n",
                cli.err.toString());
        cli.err.getBuffer().setLength(0);
        assertEquals(2, cli.devmirror("compare", "--cost-profile", "h100", "uffd-wp"));
        assertTrue(
                cli.err.toString().startsWith("devmirror compare: --cost-profile h100 is neither a named profile"),
                cli.err::toString);
        cli.err.getBuffer().setLength(0);
        assertEquals(
                2,
                cli.devmirror(
                        "compare",
                        "--out",
                        out.toString(),
                        "uffd-wp",
                        dir.resolve("missing.strace").toString()));
        assertTrue(cli.err.toString().contains("missing.strace"), cli.err::toString);
        cli.err.getBuffer().setLength(0);
        Path empty = dir.resolve("empty.strace");
        Files.writeString(empty, "not strace\n");
        assertEquals(2, cli.devmirror("compare", "--out", out.toString(), empty.toString()));
        assertTrue(cli.err.toString().startsWith(empty + ": no strace line in its 1 line(s)"), cli.err::toString);
        cli.err.getBuffer().setLength(0);
        assertEquals(2, cli.devmirror("compare", "--policy", "aware,nosuch", "--out", out.toString(), "uffd-wp"));
        assertTrue(cli.err.toString().startsWith("devmirror compare: --policy=nosuch is not"), cli.err::toString);
        cli.err.getBuffer().setLength(0);
        assertEquals(2, cli.devmirror("compare", "--policy", "all,blind", "--out", out.toString(), "uffd-wp"));
        assertEquals(
                "devmirror compare: --policy all,blind names blind twice; name each policy once\n", cli.err.toString());
        assertTrue(Files.notExists(out), "nothing ran");
    }

    @Test
    void runReplayAndDemoTakeTheProfileToo() {
        assertEquals(
                0,
                cli.devmirror("replay", TRACES + "uffd-wp.strace", "--cost-profile", "pcie4-dgpu"),
                cli.err::toString);
        assertTrue(cli.out.toString().contains("modelled device time (pcie4-dgpu: "), cli.out::toString);
        cli.out.getBuffer().setLength(0);
        assertEquals(
                0,
                cli.devmirror("run", "../examples/anon_write.scn", "--cost-profile", "xe-4k-serial-tlb", "--json"),
                cli.err::toString);
        assertTrue(cli.out.toString().contains("\"profile\": \"xe-4k-serial-tlb\""), cli.out::toString);
        assertEquals(2, cli.devmirror("demo", "--cost-profile", "nope"));
        assertTrue(cli.err.toString().contains("devmirror demo: --cost-profile nope is neither"), cli.err::toString);
    }

    /** The rows of the report's first table, each as its cells, trimmed, without the header and rule. */
    private static List<String[]> firstTable(String md) {
        List<String[]> rows = new ArrayList<>();
        boolean inTable = false;
        int seen = 0;
        for (String line : md.split("\n", -1)) {
            if (line.startsWith("|")) {
                inTable = true;
                if (seen++ >= 2) {
                    String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
                    for (int i = 0; i < cells.length; i++) {
                        cells[i] = cells[i].trim();
                    }
                    rows.add(cells);
                }
            } else if (inTable) {
                break;
            }
        }
        return rows;
    }
}
