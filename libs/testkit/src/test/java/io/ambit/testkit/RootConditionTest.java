package io.ambit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

class RootConditionTest {

    @Test
    void enablesForRoot() {
        assertThat(RootCondition.evaluate(OptionalInt.of(0), "netns").isDisabled()).isFalse();
    }

    @Test
    void skipsForOthersAndSaysWhy() {
        var result = RootCondition.evaluate(OptionalInt.of(1000), "creates network namespaces");
        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("needs root (creates network namespaces)")
                .contains("uid 1000"));
    }

    @Test
    void skipsWhenTheUidIsUnknown() {
        assertThat(RootCondition.evaluate(OptionalInt.empty(), "x").getReason())
                .hasValueSatisfying(reason -> assertThat(reason).contains("unknown user"));
    }

    @Test
    void readsTheCurrentUidOnLinux() {
        assertThat(RootCondition.currentUid()).isPresent();
    }
}
