package io.ambit.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Runs {@link RequiresRoot} tests only as root; otherwise skips them with a printed reason. */
public final class RootCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String why = context.getElement()
                .flatMap(element -> AnnotationSupport.findAnnotation(element, RequiresRoot.class))
                .map(RequiresRoot::value)
                .orElse("root");
        ConditionEvaluationResult result = evaluate(currentUid(), why);
        if (result.isDisabled()) {
            System.out.println("SKIPPED " + context.getDisplayName() + ": " + result.getReason().orElse(""));
        }
        return result;
    }

    static ConditionEvaluationResult evaluate(OptionalInt uid, String why) {
        if (uid.isPresent() && uid.getAsInt() == 0) {
            return ConditionEvaluationResult.enabled("running as root");
        }
        String who = uid.isPresent() ? "uid " + uid.getAsInt() : "an unknown user (no /proc/self)";
        return ConditionEvaluationResult.disabled("needs root (" + why + "); running as " + who
                + ". CI runs these as root: sudo ./mesh test");
    }

    static OptionalInt currentUid() {
        try {
            return OptionalInt.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return OptionalInt.empty();
        }
    }
}
