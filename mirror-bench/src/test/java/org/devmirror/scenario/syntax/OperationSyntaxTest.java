package org.devmirror.scenario.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.devmirror.scenario.model.DeviceOp;
import org.devmirror.scenario.model.HostOp;
import org.devmirror.scenario.model.Operation;
import org.devmirror.scenario.model.Statement;
import org.junit.jupiter.api.Test;

/**
 * The operation-syntax table covers the language: every operation record has an entry, the
 * keywords come from it, and what an entry writes back parses into the same record.
 */
class OperationSyntaxTest {
    /** Every entry at least once, with every option it has. */
    private static final String EVERY_OPERATION = """
            device gpu
            file data 16p
            buf = mmap 1024p rw private anon huge
            f = mmap 4p r shared file data offset 4p fixed at 0x7f0000000000
            munmap buf+4p 1p
            moved = mremap buf 4p 8p maymove fixed at 0x7e0000000000 dontunmap
            mremap buf 4p 2p
            mprotect buf 4p rx
            madvise buf 4p pageout
            read buf+3 5
            write buf+1 7 fill 0xab
            write buf 8 bytes 01 02
            write buf 16 pattern index+3
            fork child
            clear-soft-dirty
            reclaim buf 4p
            compact buf 4p
            ksm buf 4p
            thp collapse buf
            thp split buf
            oom-reap
            writeback data
            truncate data 100
            punch-hole data 0x1000 3
            memory-failure buf+2p
            uffd open async unpopulated
            uffd open
            uffd register buf 4p
            uffd unregister buf 4p
            uffd protect buf 4p
            uffd unprotect buf 4p dontwake
            uffd unprotect buf 4p
            uffd move buf buf+8p 2p allow-holes
            pagemap-scan buf 4p wp
            pagemap-scan buf 4p
            numa-hint buf 4p
            gpu read buf 4p
            gpu write buf 4p zero
            gpu atomic buf 1p add 2
            gpu atomic buf 1p
            gpu snapshot buf 4p
            gpu migrate buf 4p
            gpu migrate-back buf 4p
            gpu exclusive buf 4p
            gpu check-exclusive buf 4p
            gpu release
            gpu fail-alloc 2
            gpu lock
            gpu unlock
            exit
            """;

    @Test
    void everyOperationRecordHasAnEntry() {
        Set<Class<?>> covered = new HashSet<>();
        OperationSyntax.ENTRIES.forEach(e -> covered.add(e.type()));
        List<Class<?>> records = new ArrayList<>(List.of(HostOp.class.getPermittedSubclasses()));
        records.addAll(List.of(DeviceOp.class.getPermittedSubclasses()));
        assertFalse(records.isEmpty());
        for (Class<?> record : records) {
            assertTrue(covered.contains(record), record.getSimpleName() + " has no OperationSyntax entry");
        }
        assertEquals(records.size(), covered.size(), "an entry names a class that is no operation record");
    }

    @Test
    void everyEntryIsUsedAboveAndWritesBackWhatParses() throws ScenarioParseException {
        List<Statement> parsed = ScenarioParser.parse("t.scn", EVERY_OPERATION).statements();
        Set<String> used = new HashSet<>();
        // The same file with each operation replaced by its written-back text, on the same line.
        String[] lines = EVERY_OPERATION.split("\n");
        for (Statement s : parsed) {
            if (s instanceof Operation op) {
                String written = OperationText.of(op);
                lines[op.line() - 1] = written;
                OperationSyntax.ENTRIES.stream().filter(e -> e.writes(op)).forEach(e -> used.add(e.words()));
            }
        }
        assertEquals(
                parsed, ScenarioParser.parse("t.scn", String.join("\n", lines)).statements());
        for (OperationSyntax.Entry<?> e : OperationSyntax.ENTRIES) {
            assertTrue(used.contains(e.words()), "no line above uses '" + e.words() + "'");
        }
    }

    @Test
    void writtenBackTextIsTheDocumentedForm() throws ScenarioParseException {
        List<Statement> s = ScenarioParser.parse("t.scn", """
                device gpu
                buf = mmap 16p rw private anon
                munmap buf+8p 8p
                gpu atomic buf 1p
                uffd unprotect buf 4p dontwake
                """).statements();
        assertEquals("buf = mmap 0x10000 rw private anon", OperationText.of((Operation) s.get(1)));
        assertEquals("munmap buf+0x8000 0x8000", OperationText.of((Operation) s.get(2)));
        assertEquals("gpu atomic buf 0x1000 add 1", OperationText.of((Operation) s.get(3)));
        assertEquals("uffd unprotect buf 0x4000 dontwake", OperationText.of((Operation) s.get(4)));
    }

    @Test
    void keywordsComeFromTheTable() {
        for (OperationSyntax.Entry<?> e : OperationSyntax.ENTRIES) {
            Set<String> words = e.side() == OperationSyntax.Side.HOST
                    ? OperationSyntax.HOST_KEYWORDS
                    : OperationSyntax.DEVICE_VERBS;
            assertTrue(words.contains(e.keyword()), e.words());
            if (e.side() == OperationSyntax.Side.HOST) {
                assertTrue(ParseScope.KEYWORDS.contains(e.keyword()), e.words());
            }
        }
        assertTrue(ParseScope.KEYWORDS.containsAll(Set.of("device", "file", "space", "expect")));
        assertEquals(List.of("mmap", "mremap"), OperationSyntax.bindingKeywords());
    }
}
