package org.devmirror.device.driver;

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
 * Without the property ({@code ./mvnw -B verify}) it runs on the policy named {@value #SMOKE_POLICY}, so the
 * by-name path a driver author takes is itself run on every build.
 */
class NamedPolicyContractTest extends MirrorContract {
    /** The system property naming the policy under test. */
    static final String PROPERTY = "devmirror.policy";
    /** The policy name used when the property is not set. */
    static final String SMOKE_POLICY = "blind";

    @Override
    protected InvalidationPolicy policy() {
        return PolicyResolver.resolve("-D" + PROPERTY, System.getProperty(PROPERTY, SMOKE_POLICY));
    }
}
