package org.devmirror.device.driver;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the text that names an invalidation policy on a command line, in a scenario run, a trace
 * replay, a benchmark's {@code policy} parameter or the gate into the {@link InvalidationPolicy}
 * itself. The one place that does so, so a driver author's own policy class is accepted
 * everywhere a shipped policy is.
 *
 * <p>Two forms:
 * <ul>
 *   <li>a shipped name, from the registry ({@link #shipped()}): {@code aware}
 *       ({@link EventAwarePolicy#INSTANCE}), {@code aware-downgrade}
 *       ({@link EventAwarePolicy#DOWNGRADE_SOFT_DIRTY}, the other SOFT_DIRTY strategy),
 *       {@code blind} ({@link BlindPolicy#INSTANCE}), and the driver zoo
 *       (real drivers' policies, see the package description): {@code testhmm}
 *       ({@link TestHmmPolicy}), {@code nouveau} ({@link NouveauPolicy}), {@code amdkfd} and
 *       {@code amdkfd-noxnack} ({@link AmdKfdSvmPolicy}), {@code xe} ({@link XeSvmPolicy}),
 *       {@code mlx5} ({@link Mlx5OdpPolicy}), {@code kvm} ({@link KvmPolicy});</li>
 *   <li>a fully qualified class name, e.g. {@code com.example.policy.DmirrorStylePolicy}: a class
 *       on the class path that implements {@link InvalidationPolicy} and either declares a
 *       {@code public static final} field {@code INSTANCE} of its own type (a stateless policy,
 *       the way the shipped ones are written) or has a public no-argument constructor.</li>
 * </ul>
 *
 * <p>Misuse is an exception: a name that is none of these throws
 * {@code IllegalArgumentException} whose message names the argument the caller was given (for
 * example {@code --policy} or the benchmark parameter {@code policy}) and the value, and says
 * which of the three checks failed. Where a command takes several policies,
 * {@link #resolveAll} also expands {@value #ALL} to every shipped one.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Stateless; any thread. A class is loaded (and initialised) through the class loader that loaded
 * devmirror, which for the {@code ./devmirror} launcher and for JMH's forks is the application
 * class loader: the launcher's {@code --classpath} / {@code DEVMIRROR_CLASSPATH} entries are on it.
 * Resolving a class name calls its constructor each time; the shipped names always give the same
 * shared instance.
 */
public final class PolicyResolver {
    /** The shipped policies by the name that selects them: the one list of them. */
    private static final Map<String, InvalidationPolicy> SHIPPED = shippedPolicies();

    /** The names that need no class path, for messages and help text: "aware, ..., xe or kvm". */
    public static final String SHIPPED_NAMES = joinNames(SHIPPED.keySet());

    /** The name that stands for every shipped policy where a command takes several. */
    public static final String ALL = "all";

    private PolicyResolver() {}

    private static Map<String, InvalidationPolicy> shippedPolicies() {
        Map<String, InvalidationPolicy> m = new LinkedHashMap<>();
        m.put("aware", EventAwarePolicy.INSTANCE);
        m.put("aware-downgrade", EventAwarePolicy.DOWNGRADE_SOFT_DIRTY);
        m.put("blind", BlindPolicy.INSTANCE);
        m.put("testhmm", TestHmmPolicy.INSTANCE);
        m.put("nouveau", NouveauPolicy.INSTANCE);
        m.put("amdkfd", AmdKfdSvmPolicy.XNACK_ON);
        m.put("amdkfd-noxnack", AmdKfdSvmPolicy.XNACK_OFF);
        m.put("xe", XeSvmPolicy.INSTANCE);
        m.put("mlx5", Mlx5OdpPolicy.INSTANCE);
        m.put("kvm", KvmPolicy.INSTANCE);
        return Collections.unmodifiableMap(m);
    }

    private static String joinNames(Iterable<String> names) {
        List<String> l = new ArrayList<>();
        names.forEach(l::add);
        return String.join(", ", l.subList(0, l.size() - 1)) + " or " + l.get(l.size() - 1);
    }

    /**
     * Every shipped policy by its name, in a fixed order: {@code aware}, {@code aware-downgrade},
     * {@code blind}, then the zoo.
     *
     * @return an unmodifiable map
     */
    public static Map<String, InvalidationPolicy> shipped() {
        return SHIPPED;
    }

    /**
     * The policy {@code value} names.
     *
     * @param argument what the caller calls the value in its error messages, e.g. {@code --policy}
     * @param value    a shipped name ({@link #SHIPPED_NAMES}) or a fully qualified class name
     * @return the policy; never null
     * @throws IllegalArgumentException if {@code value} is none of those, naming {@code argument}
     *                                  and {@code value}
     */
    public static InvalidationPolicy resolve(String argument, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(argument + "=" + value + " is empty; give " + SHIPPED_NAMES
                    + ", or the fully qualified name of an InvalidationPolicy class");
        }
        InvalidationPolicy shipped = SHIPPED.get(value);
        return shipped != null ? shipped : instantiate(argument, value, load(argument, value));
    }

    /**
     * The policies a comma-separated list names, in order: each item is resolved as by
     * {@link #resolve}, and {@value #ALL} stands for every shipped policy.
     *
     * @param argument what the caller calls the value in its error messages
     * @param value    e.g. {@code xe}, {@code aware,kvm}, {@code all} or {@code all,com.example.MyPolicy}
     * @return the policies, each once
     * @throws IllegalArgumentException if an item does not resolve, or a policy is named twice
     */
    public static List<InvalidationPolicy> resolveAll(String argument, String value) {
        if (value == null || value.isBlank()) {
            resolve(argument, value); // throws, naming the argument
        }
        List<InvalidationPolicy> out = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            for (InvalidationPolicy p :
                    item.equals(ALL) ? List.copyOf(SHIPPED.values()) : List.of(resolve(argument, item))) {
                if (out.contains(p)) {
                    throw new IllegalArgumentException(
                            argument + "=" + value + " names " + p.name() + " twice; name each policy once");
                }
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Whether {@code value} is one of the shipped names, which need no class path.
     *
     * @param value a policy name
     * @return true for the names of {@link #shipped()}
     */
    public static boolean isShippedName(String value) {
        return value != null && SHIPPED.containsKey(value);
    }

    private static Class<? extends InvalidationPolicy> load(String argument, String value) {
        Class<?> c;
        try {
            c = Class.forName(value, true, PolicyResolver.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(
                    argument + "=" + value + " is not " + SHIPPED_NAMES
                            + ", and no class of that name is on the class path (add its directory or jar with"
                            + " ./devmirror --classpath PATH or DEVMIRROR_CLASSPATH)",
                    e);
        } catch (LinkageError e) {
            throw new IllegalArgumentException(
                    argument + "=" + value + " names a class that cannot be loaded: " + e, e);
        }
        if (!InvalidationPolicy.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(argument + "=" + value + " is a class that does not implement "
                    + InvalidationPolicy.class.getName());
        }
        if (c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
            throw new IllegalArgumentException(argument + "=" + value + " is abstract; name a concrete class");
        }
        return c.asSubclass(InvalidationPolicy.class);
    }

    private static InvalidationPolicy instantiate(
            String argument, String value, Class<? extends InvalidationPolicy> c) {
        InvalidationPolicy shared = sharedInstance(c);
        if (shared != null) {
            return shared;
        }
        Constructor<? extends InvalidationPolicy> constructor;
        try {
            constructor = c.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(
                    argument + "=" + value
                            + " has neither a public no-argument constructor nor a public static INSTANCE field",
                    e);
        }
        try {
            return constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(
                    argument + "=" + value + ": its constructor threw " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            // Public constructor of a class that is not public itself, for example.
            throw new IllegalArgumentException(argument + "=" + value + " cannot be constructed: " + e, e);
        }
    }

    /** The value of a public static final {@code INSTANCE} field of type {@code c}, or null if there is none. */
    private static InvalidationPolicy sharedInstance(Class<? extends InvalidationPolicy> c) {
        Field f;
        try {
            f = c.getField("INSTANCE");
        } catch (NoSuchFieldException e) {
            return null;
        }
        int m = f.getModifiers();
        if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || !c.isAssignableFrom(f.getType())) {
            return null;
        }
        try {
            return c.cast(f.get(null));
        } catch (IllegalAccessException e) {
            return null; // the field is public but its class is not: fall back to the constructor
        }
    }
}
