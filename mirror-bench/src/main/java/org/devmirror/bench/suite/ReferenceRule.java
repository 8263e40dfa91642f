package org.devmirror.bench.suite;

import java.util.regex.Pattern;

/**
 * Which benchmark of the same run some results of one benchmark are reported against: those of
 * its methods matching {@code methods} whose parameters (as {@code BenchResult.label()} writes
 * them, {@code name=value} in name order) match {@code params} are divided by the result labelled
 * {@code Reference.referenceMethod referenceParams}. The reference's method and parameters may
 * name the groups of the two expressions ({@code $1}, ...), so one rule maps
 * {@code DispatchBench.hitOne notifiers=N} to {@code LookupReferenceBench.treeMapFloorHit ranges=N}
 * for every N.
 *
 * <p>{@code gate} says whether the timing gate normalises by the same reference. The gate divides
 * everything else by the fill floor ({@link BenchRegistry#GATE_FLOOR}); only a like-for-like
 * yardstick (a tree lookup for a tree search) is worth a second reference run, and the gate adds
 * it to a run that times the subject, so a gate rule names one method and one reference method.
 *
 * @param methods         the subject's method names, a regular expression
 * @param params          the subject's parameters, a regular expression over the label after the
 *                        method and a space; empty for a method with no parameters
 * @param reference       the reference benchmark's class
 * @param referenceMethod the reference's method, {@code $n} naming a group of the subject's match
 * @param referenceParams the reference's parameters as the label writes them, {@code $n} allowed;
 *                        empty for none
 * @param gate            whether the timing gate normalises by this reference too
 */
public record ReferenceRule(
        String methods,
        String params,
        Class<?> reference,
        String referenceMethod,
        String referenceParams,
        boolean gate) {
    private static final Pattern IDENTIFIER = Pattern.compile("\\w+");

    public ReferenceRule {
        Pattern.compile(methods);
        Pattern.compile(params);
        if (reference == null || referenceMethod.isBlank()) {
            throw new IllegalArgumentException("reference=" + reference + ", referenceMethod=" + referenceMethod
                    + ": a rule needs the benchmark it refers to");
        }
        if (gate
                && !(IDENTIFIER.matcher(methods).matches()
                        && IDENTIFIER.matcher(referenceMethod).matches())) {
            throw new IllegalArgumentException("methods=" + methods + ", referenceMethod=" + referenceMethod
                    + ": a gate rule names one method on each side (the gate adds the reference's run)");
        }
    }

    /** A report-only rule: the subject's matching results against {@code reference}'s. */
    public static ReferenceRule to(
            String methods, String params, Class<?> reference, String referenceMethod, String referenceParams) {
        return new ReferenceRule(methods, params, reference, referenceMethod, referenceParams, false);
    }

    /** This rule, also used by the timing gate. */
    public ReferenceRule alsoInGate() {
        return new ReferenceRule(methods, params, reference, referenceMethod, referenceParams, true);
    }

    /** The regular expression over whole labels of {@code subject}'s results this rule covers. */
    public String labelRegex(Class<?> subject) {
        return subject.getSimpleName() + "\\.(?:" + methods + ")" + (params.isEmpty() ? "" : " " + params);
    }

    /** The reference's label, with {@code $n} standing for the groups of {@link #labelRegex}. */
    public String referenceTemplate() {
        return reference.getSimpleName() + "." + referenceMethod
                + (referenceParams.isEmpty() ? "" : " " + referenceParams);
    }
}
