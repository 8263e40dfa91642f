package org.devmirror.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;

/**
 * Jazzer fuzz tests of the four readers of user files: scenario files, strace traces (read, and
 * replayed by {@code ./devmirror replay}) and the performance baseline; {@link UserFiles} states
 * what each must do whatever the bytes.
 *
 * <p>In {@code ./mvnw -B verify} Jazzer runs each method over its checked-in corpus
 * ({@code src/test/resources/org/devmirror/fuzz/InputFuzzTestInputs/METHOD/}, regression mode).
 * {@code JAZZER_FUZZ=1} fuzzes one method at a time (docs/reliability.md gives the command); an
 * input that fails is written next to the corpus, to be checked in as a regression input. Jazzer
 * 0.24.0 cannot instrument JDK 25 class files, so that fuzzing is not coverage-guided here; the
 * generated inputs of {@link InputPropertyTest} run in every build.
 */
class InputFuzzTest {
    private static final UserFiles FILES = new UserFiles();

    @AfterAll
    static void removeFiles() throws IOException {
        FILES.close();
    }

    @FuzzTest(maxDuration = "5m")
    void scenarioParser(byte[] data) throws IOException {
        FILES.scenario(data);
    }

    @FuzzTest(maxDuration = "5m")
    void straceReader(byte[] data) throws IOException {
        FILES.trace(data);
    }

    @FuzzTest(maxDuration = "5m")
    void traceReplay(byte[] data) {
        FILES.replay(data);
    }

    @FuzzTest(maxDuration = "5m")
    void baselineLoading(byte[] data) throws IOException {
        FILES.baseline(data);
    }
}
