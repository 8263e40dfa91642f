package org.devmirror.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.devmirror.scenario.syntax.ScenarioParseException;
import org.devmirror.scenario.syntax.ScenarioParser;
import org.junit.jupiter.api.Test;

/** The scenario examples in docs/scenarios.md parse, so the documentation cannot drift from the parser. */
class DocumentedExamplesTest {

    @Test
    void everyExampleScenarioInTheDocsParses() throws IOException, ScenarioParseException {
        List<String> examples = new ArrayList<>();
        StringBuilder block = null;
        for (String line : Files.readAllLines(Path.of("..", "docs", "scenarios.md"))) {
            if (line.startsWith("```")) {
                if (block != null) {
                    String text = block.toString();
                    // scenario blocks open with a comment or a device; grammar and error blocks do not
                    if (text.startsWith("# ") || text.startsWith("device ")) {
                        examples.add(text);
                    }
                    block = null;
                } else {
                    block = new StringBuilder();
                }
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        assertEquals(9, examples.size(), "the intro example and eight worked examples");
        for (String example : examples) {
            assertFalse(
                    ScenarioParser.parse("scenarios.md", example).expectations().isEmpty());
        }
    }
}
