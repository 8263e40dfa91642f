package org.devmirror.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.devmirror.device.cost.CostProfile;
import org.devmirror.device.cost.DeviceTime;
import org.devmirror.device.driver.InvalidationPolicy;
import org.devmirror.replay.ReplayModel;
import org.devmirror.replay.ReplayResult;
import org.devmirror.replay.TraceReplay;
import org.devmirror.trace.StraceReader;

/**
 * Every trace replayed under every policy ({@link TraceReplay}, the oracle checking every mirror
 * after every call), each result priced by one {@link CostProfile}; and, per trace, the policy
 * with the least modelled device time among those the oracle found clean. A policy the oracle
 * caught is never "best", however cheap: it is cheap because it leaves the device something it
 * should not have.
 *
 * @param profile  the profile every result is priced by
 * @param model    the replay model every trace ran with
 * @param traces   trace names, in report order
 * @param policies policy names, in report order
 * @param results  per trace name, per policy name, the replay's result
 */
public record PolicyComparison(
        CostProfile profile,
        ReplayModel model,
        List<String> traces,
        List<String> policies,
        Map<String, Map<String, ReplayResult>> results) {

    /** A trace to replay, by the name the report gives it. */
    public record NamedTrace(String name, StraceReader.Trace trace) {}

    /** Copies the lists and maps; every trace has a result for every policy. */
    public PolicyComparison {
        traces = List.copyOf(traces);
        policies = List.copyOf(policies);
        Map<String, Map<String, ReplayResult>> copy = new LinkedHashMap<>();
        for (String t : traces) {
            Map<String, ReplayResult> row = results.get(t);
            for (String p : policies) {
                if (row == null || row.get(p) == null) {
                    throw new IllegalArgumentException("results has no result for trace " + t + " under policy " + p);
                }
            }
            copy.put(t, Map.copyOf(row));
        }
        results = Map.copyOf(copy);
    }

    /**
     * Replays each of {@code traces} under each of {@code policies} (by report name, in order).
     *
     * @throws org.devmirror.replay.ReplayLimitException when a trace goes beyond a replay limit
     */
    public static PolicyComparison run(
            List<NamedTrace> traces, Map<String, InvalidationPolicy> policies, CostProfile profile, ReplayModel model) {
        Map<String, Map<String, ReplayResult>> results = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (NamedTrace t : traces) {
            if (results.containsKey(t.name())) {
                throw new IllegalArgumentException("trace " + t.name() + " is named twice; name each trace once");
            }
            Map<String, ReplayResult> row = new LinkedHashMap<>();
            policies.forEach((name, policy) -> row.put(name, TraceReplay.replay(t.trace(), policy, model)));
            results.put(t.name(), row);
            names.add(t.name());
        }
        return new PolicyComparison(profile, model, names, List.copyOf(policies.keySet()), results);
    }

    /** The result of {@code trace} under {@code policy}. */
    public ReplayResult result(String trace, String policy) {
        return results.get(trace).get(policy);
    }

    /** The modelled device time of {@code trace} under {@code policy}. */
    public DeviceTime time(String trace, String policy) {
        return result(trace, policy).work().time(profile);
    }

    /**
     * The oracle-clean policy with the least modelled device time on {@code trace} (the first in
     * report order among equals), or null when the oracle caught every policy.
     */
    public String best(String trace) {
        String best = null;
        for (String p : policies) {
            if (result(trace, p).oracleClean()
                    && (best == null
                            || time(trace, p).totalNs() < time(trace, best).totalNs())) {
                best = p;
            }
        }
        return best;
    }
}
