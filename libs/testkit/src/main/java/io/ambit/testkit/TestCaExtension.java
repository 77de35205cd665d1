package io.ambit.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects a {@link TestCa} into test constructors, methods and lifecycle methods. One CA per test
 * class (created on first use, trust domain {@value #TRUST_DOMAIN}), so every test in a class
 * shares one root, as the workloads of one mesh do.
 */
public final class TestCaExtension implements ParameterResolver {

    public static final String TRUST_DOMAIN = "cluster.local";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestCa.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return classContextOf(context).getStore(ExtensionContext.Namespace.create(TestCaExtension.class))
                .computeIfAbsent("ca", key -> TestCa.newRoot(TRUST_DOMAIN), TestCa.class);
    }

    private static ExtensionContext classContextOf(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
