package io.ambit.xds.translate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.protobuf.ByteString;
import io.ambit.xds.store.KubeYamlParser;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;

/** Translation inputs from a YAML fixture under {@code src/test/resources/translate/}, read as the local store reads files. */
final class Fixtures {

    private Fixtures() {
    }

    static MeshInputs load(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/translate/" + name)) {
            Map<ResourceKey, KubeYamlParser.Parsed> objects = new LinkedHashMap<>();
            for (KubeYamlParser.Parsed parsed : KubeYamlParser.parse(name, new String(in.readAllBytes()))) {
                objects.put(parsed.key(), parsed);
            }
            return MeshInputs.from(new LocalConfigStore.Snapshot(1, objects), "cluster.local");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ByteString ip(String literal) {
        try {
            return ByteString.copyFrom(InetAddress.getByName(literal).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
