package org.devmirror.device.driver;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The contract suite against the policy named by the system property {@code devmirror.policy}
 * ({@code aware}, {@code blind} or a class name, see {@link PolicyResolver}), so a driver author
 * runs it on a policy class of their own without adding a test to devmirror:
 *
 * <pre>
 * ./mvnw -B -pl device-model -am test -Dtest=NamedPolicyContractTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Ddevmirror.policy=com.example.policy.DmirrorStylePolicy -Dmaven.test.additionalClasspath=/path/to/classes
 * </pre>
 *
 * Skipped when the property is not set (a plain {@code ./mvnw verify}).
 */
@EnabledIfSystemProperty(named = NamedPolicyContractTest.PROPERTY, matches = ".+")
class NamedPolicyContractTest extends MirrorContract {
    /** The system property naming the policy under test. */
    static final String PROPERTY = "devmirror.policy";

    @Override
    protected InvalidationPolicy policy() {
        return PolicyResolver.resolve("-D" + PROPERTY, System.getProperty(PROPERTY));
    }
}
