package org.devmirror.scenario.syntax;

import java.util.ArrayList;
import java.util.List;

/**
 * A scenario file has errors; {@link #errors()} lists them in line order, and the
 * message is those errors one per line, as {@code FILE:LINE: message}.
 */
public final class ScenarioParseException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<ParseError> errors;
    private final long notShown;
    private final String file;

    ScenarioParseException(String file, List<ParseError> errors, long notShown) {
        super(String.join("\n", lines(file, errors, notShown)));
        this.file = file;
        this.errors = List.copyOf(errors);
        this.notShown = notShown;
    }

    /**
     * The errors found, in line order, the first {@link ScenarioLimits#MAX_ERRORS} of them; never
     * empty.
     */
    public List<ParseError> errors() {
        return errors;
    }

    /** Errors found after the first {@link ScenarioLimits#MAX_ERRORS}, counted but not kept. */
    public long notShown() {
        return notShown;
    }

    /** One line per error as {@code FILE:LINE: message}, and a last line counting those not shown. */
    public List<String> lines() {
        return lines(file, errors, notShown);
    }

    private static List<String> lines(String file, List<ParseError> errors, long notShown) {
        List<String> out = new ArrayList<>();
        for (ParseError e : errors) {
            out.add(e.toString());
        }
        if (notShown > 0) {
            out.add(file + ": " + notShown + " more error(s) not shown (the first " + ScenarioLimits.MAX_ERRORS
                    + " are; docs/limits.md)");
        }
        return out;
    }
}
