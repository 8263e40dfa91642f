package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Truncated and garbage input yields a scenario or a ScenarioParseException, never anything else. */
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
        assertFalse(ScenarioParser.parse("v.scn", VALID).statements().isEmpty());
    }

    @Test
    void everyTruncationParsesOrFailsWithParseErrors() {
        // cut the file at every character, as an interrupted write would
        for (int cut = 0; cut <= VALID.length(); cut++) {
            parseQuietly(VALID.substring(0, cut));
        }
    }

    @Test
    void randomGarbageParsesOrFailsWithParseErrors() {
        // seeded: printable noise, control bytes, and shuffled tokens of the valid file
        Random random = new Random(42);
        String[] words = VALID.split("\\s+");
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            int lines = 1 + random.nextInt(6);
            for (int l = 0; l < lines; l++) {
                int n = random.nextInt(8);
                for (int i = 0; i < n; i++) {
                    switch (random.nextInt(3)) {
                        case 0 -> text.append(words[random.nextInt(words.length)]);
                        case 1 -> text.append((char) random.nextInt(0x80));
                        default -> text.append(Long.toString(random.nextLong(), 1 + random.nextInt(36)).replace('-', '+'));
                    }
                    text.append(random.nextBoolean() ? " " : "");
                }
                text.append('\n');
            }
            parseQuietly(text.toString());
        }
    }

    /** Any outcome but an unexpected exception; a parse exception must list at least one error. */
    private static void parseQuietly(String text) {
        try {
            ScenarioParser.parse("g.scn", text);
        } catch (ScenarioParseException e) {
            assertTrue(!e.errors().isEmpty() && e.getMessage().startsWith("g.scn:"), e::getMessage);
        }
    }
}
