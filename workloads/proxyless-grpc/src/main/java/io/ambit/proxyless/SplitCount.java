package io.ambit.proxyless;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.ambit.echo.proto.EchoRequest;
import io.ambit.echo.proto.EchoResponse;
import io.ambit.echo.proto.EchoServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** How many calls each pod answered, and which failed (by gRPC status), over one channel. */
record SplitCount(Map<String, Integer> byPod, Map<String, Integer> failures) {

    /** The first call waits this long for grpc-xds to have LDS, RDS, CDS and EDS and a ready subchannel. */
    static final long FIRST_CALL_SECONDS = 60;
    static final long CALL_SECONDS = 10;

    static SplitCount call(Channel channel, int count) {
        Map<String, Integer> byPod = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            EchoServiceGrpc.EchoServiceBlockingStub stub = EchoServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(i == 0 ? FIRST_CALL_SECONDS : CALL_SECONDS, TimeUnit.SECONDS);
            if (i == 0) {
                stub = stub.withWaitForReady();
            }
            try {
                EchoResponse response = stub.echo(EchoRequest.newBuilder().setMessage("proxyless " + i).build());
                byPod.merge(response.getPod(), 1, Integer::sum);
            } catch (StatusRuntimeException e) {
                Status status = e.getStatus();
                failures.merge(status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()), 1, Integer::sum);
            }
        }
        return new SplitCount(Map.copyOf(byPod), Map.copyOf(failures));
    }

    int ok() {
        return byPod.values().stream().mapToInt(Integer::intValue).sum();
    }

    int failed() {
        return failures.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** {@code backend-1 903, backend-2 97 (ok=1000 failed=0)}, then each failure reason with its count. */
    String summary() {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(byPod).forEach((pod, n) -> text.append(text.isEmpty() ? "" : ", ").append(pod).append(' ').append(n));
        text.append(text.isEmpty() ? "" : " ").append("(ok=").append(ok()).append(" failed=").append(failed()).append(')');
        new TreeMap<>(failures).forEach((why, n) -> text.append("\n  failed ").append(n).append("x: ").append(why));
        return text.toString();
    }
}
