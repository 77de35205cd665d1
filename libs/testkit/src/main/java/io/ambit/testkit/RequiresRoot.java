package io.ambit.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that needs root (network namespaces, redirect rules, packet capture). Tagged {@code root};
 * CI runs as root and runs it; elsewhere it is skipped and the reason is printed, never silently.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("root")
@ExtendWith(RootCondition.class)
public @interface RequiresRoot {
    /** What the test needs root for, printed when it is skipped. */
    String value();
}
