package org.devmirror.bench.suite;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * What must hold between the benchmark classes and {@link BenchRegistry}: every class of
 * {@link BenchSuite#PACKAGE} with a {@code @Benchmark} method has exactly one entry, every entry
 * names such a class, and every method and parameter an entry names exists on its class.
 */
final class RegistryCheck {
    private RegistryCheck() {}

    /** The concrete classes of {@link BenchSuite#PACKAGE} (not its subpackages) that declare a {@code @Benchmark} method. */
    static Set<Class<?>> benchmarkClasses() {
        Set<Class<?>> out = new HashSet<>();
        for (JavaClass c : new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(BenchSuite.PACKAGE)) {
            if (c.getPackageName().equals(BenchSuite.PACKAGE)
                    && c.getMethods().stream().anyMatch(m -> m.isAnnotatedWith(Benchmark.class))) {
                out.add(c.reflect());
            }
        }
        return out;
    }

    /** Every way {@code entries} and {@code classes} disagree, one line each; empty when they agree. */
    static List<String> problems(Collection<Class<?>> classes, List<BenchEntry> entries) {
        List<String> problems = new ArrayList<>();
        Set<Class<?>> seen = new HashSet<>();
        for (BenchEntry e : entries) {
            if (!seen.add(e.type())) {
                problems.add(e.name() + " has two entries");
            }
            if (!classes.contains(e.type())) {
                problems.add(e.name() + " has an entry but is not a benchmark class (no @Benchmark method)");
                continue;
            }
            Set<String> methods = benchmarkMethods(e.type());
            for (BenchEntry.QuickRun q : e.quick()) {
                if (methods.stream().noneMatch(m -> m.startsWith(q.methodPrefix()))) {
                    problems.add(e.name() + ": no @Benchmark method starts with the quick run's " + q.methodPrefix());
                }
                requireParams(e.type(), q.params().keySet(), "quick run", problems);
            }
            requireParams(e.type(), e.full().keySet(), "full run", problems);
            for (ReferenceRule r : e.references()) {
                Pattern p = Pattern.compile(r.methods());
                if (methods.stream().noneMatch(m -> p.matcher(m).matches())) {
                    problems.add(e.name() + ": no @Benchmark method matches the reference rule's " + r.methods());
                }
                if (!r.referenceMethod().contains("$")
                        && !benchmarkMethods(r.reference()).contains(r.referenceMethod())) {
                    problems.add(e.name() + ": the reference " + r.reference().getSimpleName() + "."
                            + r.referenceMethod() + " is not a @Benchmark method");
                }
            }
            e.net().ifPresent(n -> {
                if (!methods.contains(n.method())) {
                    problems.add(e.name() + ": the net figure's " + n.method() + " is not a @Benchmark method");
                }
            });
        }
        for (Class<?> c : classes) {
            if (!seen.contains(c)) {
                problems.add(c.getSimpleName() + " has @Benchmark methods but no entry in BenchRegistry");
            }
        }
        return problems;
    }

    /** The names of {@code type}'s public {@code @Benchmark} methods, inherited ones included. */
    static Set<String> benchmarkMethods(Class<?> type) {
        Set<String> out = new TreeSet<>();
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(Benchmark.class)) {
                out.add(m.getName());
            }
        }
        return out;
    }

    /** The {@code @Param} values of {@code type}'s field {@code name}. */
    static List<String> paramValues(Class<?> type, String name) {
        try {
            Param p = type.getField(name).getAnnotation(Param.class);
            if (p == null) {
                throw new IllegalArgumentException(type.getSimpleName() + "." + name + " is not a @Param");
            }
            return Arrays.asList(p.value());
        } catch (NoSuchFieldException e) {
            throw new IllegalArgumentException(type.getSimpleName() + " has no field " + name, e);
        }
    }

    private static void requireParams(Class<?> type, Set<String> names, String where, List<String> problems) {
        Set<String> params = new HashSet<>();
        for (Field f : type.getFields()) {
            if (f.isAnnotationPresent(Param.class)) {
                params.add(f.getName());
            }
        }
        for (String n : names) {
            if (!params.contains(n)) {
                problems.add(type.getSimpleName() + ": the " + where + "'s parameter " + n + " is not a @Param field");
            }
        }
    }
}
