package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A CONNECT that takes far too long is reported on both ends with the step it waits at (issue 12:
 * the lab's 56 s stall left no trace of where it waited).
 */
@ExtendWith(TestCaExtension.class)
class SlowConnectTest {

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private TestBed bed;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
        System.setProperty(SlowConnect.THRESHOLD_PROPERTY, "200");
        SlowConnect.listener = warnings::add;
    }

    @AfterEach
    void stop() {
        SlowConnect.listener = null;
        System.clearProperty(SlowConnect.THRESHOLD_PROPERTY);
        bed.close();
    }

    @Test
    void anUpstreamThatNeverConnectsIsNamedOnBothEnds() {
        // An upstream connect that never completes (a black-holed SYN, within the connect timeout).
        HboneServer server = bed.server(b -> b.upstream((loop, target, request) -> loop.<Channel>newPromise()));
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", 7070);
        CompletableFuture<HboneTunnel> tunnel = bed.connect(server).open(ConnectAuthority.format(target),
                HboneHeaders.forwardedFor(new InetSocketAddress("127.0.0.1", 40000)));

        await().atMost(Duration.ofSeconds(20)).until(() -> warnings.size() >= 2);
        assertThat(tunnel).isNotDone();
        assertThat(warnings).anySatisfy(w -> assertThat(w)
                .contains("CONNECT /127.0.0.1:7070 from " + TestBed.CLIENT, "the upstream connect has not completed"));
        assertThat(warnings).anySatisfy(w -> assertThat(w)
                .contains("CONNECT 127.0.0.1:7070", "written to the socket; the server has not answered", "active=true"));
    }

    @Test
    void aSlowSocketCreationForTheUpstreamIsNamed() {
        List<String> slowSockets = new CopyOnWriteArrayList<>();
        // Stands in for a thread that enters a pod's network namespace slowly: the delay is what is tested.
        io.netty.channel.ChannelFactory<Channel> slow = new io.netty.channel.ChannelFactory<>() {
            @Override
            public Channel newChannel() {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
                return new io.netty.channel.ReflectiveChannelFactory<>(bed.transport.socketChannel()).newChannel();
            }

            @Override
            public String toString() {
                return "slow-namespace";
            }
        };
        TcpUpstreamConnector connector = new TcpUpstreamConnector(slow, Duration.ofSeconds(5));
        connector.slowSocketListener = slowSockets::add;
        InetSocketAddress echo = bed.echoUpstream();
        io.netty.util.concurrent.Future<Channel> connected = connector.connect(bed.transport.group().next(), echo);
        await().atMost(Duration.ofSeconds(20)).until(connected::isDone);
        assertThat(connected.isSuccess()).isTrue();
        connected.getNow().close().syncUninterruptibly();
        assertThat(slowSockets).singleElement().asString().contains("slow-namespace", " ms");
    }
}
