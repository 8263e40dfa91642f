package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.devmirror.scenario.model.Declaration;
import org.devmirror.scenario.model.Scenario;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Test;

/**
 * Every construct of the scenario language parses in one file. Truncated, mutated and garbage
 * input is HostileInputTest's (mirror-bench's reliability tests).
 */
class ScenarioRobustnessTest {
    private static final String VALID = """
            # every construct once
            device gpu memory 2M
            file data 16p
            buf = mmap 1024p rw private anon huge
            f = mmap 4p r shared file data offset 4p
            write buf 1024p pattern index
            gpu read buf 1024p -> OK
            expect faults 1
            expect cpages 1024
            expect data gpu buf 1024p pattern index
            gpu snapshot buf 4p
            expect snapshot gpu buf 4p = WRITE*2 ZERO|READ ERROR
            expect events UNMAP=0 CLEAR=0
            fork child
            space child
            gpu write buf 4p bytes 01 02
            gpu atomic buf 1p add 2
            gpu migrate buf 4p
            gpu migrate-back buf 4p
            gpu exclusive buf 4p
            gpu check-exclusive buf 4p -> EPERM
            gpu fail-alloc 2
            gpu release
            mprotect buf 4p r
            madvise buf 4p dontneed
            moved = mremap buf 4p 8p maymove fixed at 0x7f0000000000 dontunmap
            reclaim buf 4p
            expect cpages 4
            compact buf 4p
            ksm buf 4p
            thp collapse buf
            thp split buf
            clear-soft-dirty
            oom-reap
            writeback data
            munmap buf 4p
            expect result OK
            exit
            space main
            read buf+3 5
            expect data buf 4 fill 0
            expect oracle clean
            """;

    @Test
    void theValidFileParses() throws ScenarioParseException {
        Scenario s = ScenarioParser.parse("v.scn", VALID);

        // one statement per line that is neither blank nor a comment, and one more per "-> RESULT"
        long lines = VALID.lines()
                .filter(l -> !l.isBlank() && !l.strip().startsWith("#"))
                .count();
        long results = VALID.lines().filter(l -> l.contains("->")).count();
        assertEquals(lines + results, s.statements().size());
        assertEquals(
                List.of("gpu"),
                s.devices().stream().map(Declaration.Device::name).toList());
        assertEquals(2 << 20, s.devices().get(0).memoryBytes());
    }
}
