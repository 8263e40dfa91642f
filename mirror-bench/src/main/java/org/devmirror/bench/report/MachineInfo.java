package org.devmirror.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

/**
 * The machine a run came from, for the report header: ratios measured in one run are comparable
 * across machines only roughly, and absolute times not at all, so every published figure carries
 * the CPU, core count, JDK and date it was measured with.
 *
 * @param cpuModel the CPU model ({@code model name} of {@code /proc/cpuinfo}), or {@code unknown}
 * @param cores    the processors available to the JVM
 * @param jdk      the running JDK: {@code java.vm.name} and {@code java.runtime.version}
 * @param os       {@code os.name} and {@code os.arch}
 * @param date     the date of the run
 */
public record MachineInfo(String cpuModel, int cores, String jdk, String os, LocalDate date) {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    public MachineInfo {
        if (cores < 1) {
            throw new IllegalArgumentException("cores=" + cores + " must be at least 1");
        }
        if (cpuModel == null || jdk == null || os == null || date == null) {
            throw new IllegalArgumentException(
                    "cpuModel=" + cpuModel + ", jdk=" + jdk + ", os=" + os + ", date=" + date + ": none may be null");
        }
    }

    /** The machine this JVM runs on, dated {@code date}. */
    public static MachineInfo current(LocalDate date) {
        String cpu = "unknown";
        if (Files.isReadable(CPUINFO)) {
            try {
                cpu = cpuModel(Files.readString(CPUINFO, StandardCharsets.UTF_8));
            } catch (IOException e) {
                // A header without the CPU model is still a useful report; say so instead of failing.
                cpu = "unknown (" + CPUINFO + ": " + e.getMessage() + ")";
            }
        }
        return new MachineInfo(
                cpu,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                date);
    }

    /**
     * The first {@code model name} of a {@code /proc/cpuinfo} text (x86); ARM kernels print no
     * model name, so {@code Hardware}, then {@code CPU part} is used; {@code unknown} otherwise.
     */
    public static String cpuModel(String cpuinfo) {
        for (String key : new String[] {"model name", "Hardware", "CPU part"}) {
            for (String line : cpuinfo.lines().toList()) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    String value = line.substring(colon + 1).trim().replaceAll("\\s+", " ");
                    if (!value.isEmpty()) {
                        return value;
                    }
                }
            }
        }
        return "unknown";
    }
}
