package io.ambit.gatewayapi.istio;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Binds a {@code spec} tree to its model strictly: an unknown field, a wrong type or an unknown
 * enum value fails with Jackson's path to the offending field.
 */
public final class IstioSpecs {

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .build();

    private IstioSpecs() {
    }

    /** @throws IllegalArgumentException wrapping a {@code JsonMappingException} that carries the path */
    public static <T> T bind(Object spec, Class<T> type) {
        return STRICT.convertValue(spec == null ? java.util.Map.of() : spec, type);
    }
}
