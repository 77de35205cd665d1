package io.ambit.bench;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Bulk transfer over one long-lived connection: one op = 1 MiB delivered and acknowledged. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsThroughputBenchmark {

    @Param
    public TlsMode mode;

    private LoopbackPair pair;
    private LoopbackPair.Client client;
    private ByteBuf chunk;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pair = new LoopbackPair(mode.contexts());
        client = pair.connect();
        chunk = Unpooled.unreleasableBuffer(Unpooled.directBuffer(16 * 1024).writeZero(16 * 1024));
    }

    @Benchmark
    public void transferOneMebibyte() {
        client.sendAndAwaitAck(chunk);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.close();
        pair.close();
    }
}
