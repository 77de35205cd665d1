package io.ambit.proxyless;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.ambit.echo.proto.EchoRequest;
import io.ambit.echo.proto.EchoResponse;
import io.ambit.echo.proto.EchoServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * How many calls each pod answered, and which failed (by gRPC status), over one channel; and the
 * calls that took a second or more (a first connection to a backend, say), so a slow one is seen
 * even when it succeeds.
 */
record SplitCount(Map<String, Integer> byPod, Map<String, Integer> failures, List<String> slow) {

    /** The first call waits this long for grpc-xds to have LDS, RDS, CDS and EDS and a ready subchannel. */
    static final long FIRST_CALL_SECONDS = 60;
    static final long CALL_SECONDS = 10;
    static final long SLOW_MILLIS = 1000;

    SplitCount {
        byPod = Map.copyOf(byPod);
        failures = Map.copyOf(failures);
        slow = List.copyOf(slow);
    }

    static SplitCount call(Channel channel, int count) {
        Map<String, Integer> byPod = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        List<String> slow = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            EchoServiceGrpc.EchoServiceBlockingStub stub = EchoServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(i == 0 ? FIRST_CALL_SECONDS : CALL_SECONDS, TimeUnit.SECONDS);
            if (i == 0) {
                stub = stub.withWaitForReady();
            }
            long start = System.nanoTime();
            String outcome;
            try {
                EchoResponse response = stub.echo(EchoRequest.newBuilder().setMessage("proxyless " + i).build());
                byPod.merge(response.getPod(), 1, Integer::sum);
                outcome = response.getPod();
            } catch (StatusRuntimeException e) {
                Status status = e.getStatus();
                outcome = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
                failures.merge(outcome, 1, Integer::sum);
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (millis >= SLOW_MILLIS) {
                slow.add("call " + (i + 1) + " took " + millis + " ms (" + outcome + ")");
            }
        }
        return new SplitCount(byPod, failures, slow);
    }

    int ok() {
        return byPod.values().stream().mapToInt(Integer::intValue).sum();
    }

    int failed() {
        return failures.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** {@code backend-1 903, backend-2 97 (ok=1000 failed=0)}, then each failure reason with its count, then the slow calls. */
    String summary() {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(byPod).forEach((pod, n) -> text.append(text.isEmpty() ? "" : ", ").append(pod).append(' ').append(n));
        text.append(text.isEmpty() ? "" : " ").append("(ok=").append(ok()).append(" failed=").append(failed()).append(')');
        new TreeMap<>(failures).forEach((why, n) -> text.append("\n  failed ").append(n).append("x: ").append(why));
        slow.forEach(s -> text.append("\n  slow: ").append(s));
        return text.toString();
    }
}
