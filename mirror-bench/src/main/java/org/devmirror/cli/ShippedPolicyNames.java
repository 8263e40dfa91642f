package org.devmirror.cli;

import java.util.Iterator;
import org.devmirror.device.driver.PolicyResolver;

/**
 * The shipped policy names, from {@code PolicyResolver}'s registry, for the help text of every
 * {@code --policy} option (picocli's {@code ${COMPLETION-CANDIDATES}}), so that help never lists a
 * copied set of names.
 */
public final class ShippedPolicyNames implements Iterable<String> {
    /** Picocli instantiates it. */
    public ShippedPolicyNames() {}

    @Override
    public Iterator<String> iterator() {
        return PolicyResolver.shipped().keySet().iterator();
    }
}
