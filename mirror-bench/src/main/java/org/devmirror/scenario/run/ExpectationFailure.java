package org.devmirror.scenario.run;

/** An expectation that did not hold: its line and what was expected against what happened. */
public record ExpectationFailure(int line, String message) {
    @Override
    public String toString() {
        return "line " + line + ": " + message;
    }
}
