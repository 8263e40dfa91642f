package org.devmirror.scenario;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A scenario file has errors; {@link #errors()} lists every one of them in line order, and the
 * message is those errors one per line, as {@code FILE:LINE: message}.
 */
public final class ScenarioParseException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<ParseError> errors;

    ScenarioParseException(List<ParseError> errors) {
        super(errors.stream().map(ParseError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    /** Every error found, in line order; never empty. */
    public List<ParseError> errors() {
        return errors;
    }
}
