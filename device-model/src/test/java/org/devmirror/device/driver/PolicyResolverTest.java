package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;

/**
 * Every form of policy name {@link PolicyResolver} accepts, and every way a class name can fail,
 * each with a message naming the argument and the value.
 */
class PolicyResolverTest {
    /** A policy with a public no-argument constructor, as a driver author writes one. */
    public static final class ConstructedPolicy implements InvalidationPolicy {
        @Override
        public String name() {
            return "constructed";
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            mirror.zap(start, end);
            mirror.flushTlb(start, end);
        }
    }

    /** A stateless policy published as a shared INSTANCE, the way the shipped ones are. */
    public static final class SharedPolicy implements InvalidationPolicy {
        public static final SharedPolicy INSTANCE = new SharedPolicy();

        private SharedPolicy() {}

        @Override
        public String name() {
            return "shared";
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            mirror.zap(start, end);
            mirror.flushTlb(start, end);
        }
    }

    /** A policy that can be neither constructed nor shared. */
    public static final class UnconstructiblePolicy implements InvalidationPolicy {
        private UnconstructiblePolicy() {}

        @Override
        public String name() {
            return "unconstructible";
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            mirror.skip();
        }
    }

    /** A policy whose constructor fails. */
    public static final class FailingPolicy implements InvalidationPolicy {
        public FailingPolicy() {
            throw new IllegalStateException("no device configured");
        }

        @Override
        public String name() {
            return "failing";
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            mirror.skip();
        }
    }

    /** An abstract base of policies. */
    public abstract static class AbstractPolicy implements InvalidationPolicy {}

    private static final String ARG = "--policy";

    @Test
    void shippedNamesGiveTheSharedInstances() {
        assertSame(EventAwarePolicy.INSTANCE, PolicyResolver.resolve(ARG, "aware"));
        assertSame(BlindPolicy.INSTANCE, PolicyResolver.resolve(ARG, "blind"));
        assertTrue(PolicyResolver.isShippedName("aware"));
        assertTrue(PolicyResolver.isShippedName("blind"));
    }

    /**
     * Only the registry's names are shipped: a class name (even a shipped policy's), the word
     * {@code all} or nothing needs the class path or expansion, so a launcher must not treat it as
     * a shipped name.
     */
    @Test
    void onlyRegistryNamesAreShippedNames() {
        assertTrue(PolicyResolver.isShippedName("amdkfd-noxnack"));
        assertFalse(PolicyResolver.isShippedName(EventAwarePolicy.class.getName()));
        assertFalse(PolicyResolver.isShippedName(ConstructedPolicy.class.getName()));
        assertFalse(PolicyResolver.isShippedName(PolicyResolver.ALL));
        assertFalse(PolicyResolver.isShippedName("Aware"));
        assertFalse(PolicyResolver.isShippedName(""));
        assertFalse(PolicyResolver.isShippedName(null));
    }

    @Test
    void classWithPublicConstructorIsConstructedEachTime() {
        String name = ConstructedPolicy.class.getName();
        InvalidationPolicy first = PolicyResolver.resolve(ARG, name);
        InvalidationPolicy second = PolicyResolver.resolve(ARG, name);
        assertInstanceOf(ConstructedPolicy.class, first);
        assertNotSame(first, second);
        assertEquals("constructed", first.name());
    }

    @Test
    void classWithInstanceFieldGivesThatInstance() {
        assertSame(SharedPolicy.INSTANCE, PolicyResolver.resolve(ARG, SharedPolicy.class.getName()));
    }

    @Test
    void shippedClassesResolveByNameToo() {
        assertSame(EventAwarePolicy.INSTANCE, PolicyResolver.resolve(ARG, EventAwarePolicy.class.getName()));
        assertSame(BlindPolicy.INSTANCE, PolicyResolver.resolve(ARG, BlindPolicy.class.getName()));
    }

    @Test
    void emptyNameIsRejected() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolve(ARG, ""));
        assertEquals(
                "--policy= is empty; give " + PolicyResolver.SHIPPED_NAMES
                        + ", or the fully qualified name of an InvalidationPolicy class",
                e.getMessage());
    }

    @Test
    void missingClassNamesArgumentValueAndTheClassPathOption() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> PolicyResolver.resolve("policy", "com.example.NoSuchPolicy"));
        assertEquals(
                "policy=com.example.NoSuchPolicy is not " + PolicyResolver.SHIPPED_NAMES
                        + ", and no class of that name is on the class"
                        + " path (add its directory or jar with ./devmirror --classpath PATH or DEVMIRROR_CLASSPATH)",
                e.getMessage());
    }

    @Test
    void classThatIsNoPolicyIsRejected() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolve(ARG, "java.lang.String"));
        assertEquals(
                "--policy=java.lang.String is a class that does not implement "
                        + "org.devmirror.device.driver.InvalidationPolicy",
                e.getMessage());
    }

    @Test
    void abstractClassAndTheInterfaceAreRejected() {
        String name = AbstractPolicy.class.getName();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolve(ARG, name));
        assertEquals("--policy=" + name + " is abstract; name a concrete class", e.getMessage());
        String iface = InvalidationPolicy.class.getName();
        e = assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolve(ARG, iface));
        assertEquals("--policy=" + iface + " is abstract; name a concrete class", e.getMessage());
    }

    @Test
    void classWithoutConstructorOrInstanceIsRejected() {
        String name = UnconstructiblePolicy.class.getName();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolve(ARG, name));
        assertEquals(
                "--policy=" + name + " has neither a public no-argument constructor nor a public static INSTANCE field",
                e.getMessage());
    }

    @Test
    void constructorFailureIsReportedWithItsCause() {
        String name = FailingPolicy.class.getName();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolve(ARG, name));
        assertEquals(
                "--policy=" + name + ": its constructor threw java.lang.IllegalStateException: no device configured",
                e.getMessage());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void theRegistryListsEveryShippedPolicyOnceAndTheNamesDeriveFromIt() {
        assertEquals(
                List.of(
                        "aware",
                        "aware-downgrade",
                        "blind",
                        "testhmm",
                        "nouveau",
                        "amdkfd",
                        "amdkfd-noxnack",
                        "xe",
                        "mlx5",
                        "kvm"),
                List.copyOf(PolicyResolver.shipped().keySet()));
        assertEquals(
                "aware, aware-downgrade, blind, testhmm, nouveau, amdkfd, amdkfd-noxnack, xe, mlx5 or kvm",
                PolicyResolver.SHIPPED_NAMES);
        assertEquals(
                PolicyResolver.shipped().size(),
                new HashSet<>(PolicyResolver.shipped().values()).size(),
                "no policy under two names");
        assertSame(XeSvmPolicy.INSTANCE, PolicyResolver.resolve(ARG, "xe"));
        assertSame(AmdKfdSvmPolicy.XNACK_OFF, PolicyResolver.resolve(ARG, "amdkfd-noxnack"));
    }

    @Test
    void allExpandsToEveryShippedPolicyInRegistryOrder() {
        assertEquals(List.copyOf(PolicyResolver.shipped().values()), PolicyResolver.resolveAll(ARG, "all"));
        String custom = ConstructedPolicy.class.getName();
        List<InvalidationPolicy> mixed = PolicyResolver.resolveAll(ARG, "kvm," + custom);
        assertSame(KvmPolicy.INSTANCE, mixed.get(0));
        assertInstanceOf(ConstructedPolicy.class, mixed.get(1));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolveAll(ARG, "all,xe"));
        assertEquals("--policy=all,xe names xe (drm_gpusvm) twice; name each policy once", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PolicyResolver.resolveAll(ARG, "xe,"));
    }
}
