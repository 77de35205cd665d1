package io.ambit.xds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ShardedMapTest {

    @Test
    void behavesAsAMapAndCopiesLeaveTheOriginalAlone() {
        Map<String, Integer> plain = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            plain.put("k" + i, i);
        }
        ShardedMap<String, Integer> map = ShardedMap.copyOf(plain);
        assertThat(map).isEqualTo(plain).hasSize(1000);

        ShardedMap<String, Integer> changed = map.with(Map.of("k1", -1, "new", 7), List.of("k2", "absent"));
        assertThat(changed).hasSize(1000).containsEntry("k1", -1).containsEntry("new", 7).doesNotContainKey("k2");
        assertThat(changed.entrySet()).hasSize(1000);
        assertThat(map).isEqualTo(plain);
        assertThat(ShardedMap.copyOf(changed)).isSameAs(changed);
        assertThat(changed.with(Map.of(), Set.of())).isSameAs(changed);
    }

    @Test
    void isImmutable() {
        ShardedMap<String, Integer> map = ShardedMap.copyOf(Map.of("a", 1));
        assertThatThrownBy(() -> map.put("b", 2)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.entrySet().iterator().next().setValue(3)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(ShardedMap.<String, Integer>empty()).isEmpty();
        assertThat(map.get(null)).isNull();
    }
}
