package io.ambit.bench;

import java.util.concurrent.TimeUnit;

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

/** Connection set-up: one op = TCP connect, full mutual-TLS handshake (if any), close. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsHandshakeBenchmark {

    @Param
    public TlsMode mode;

    private LoopbackPair pair;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pair = new LoopbackPair(mode.contexts());
    }

    @Benchmark
    public void connectHandshakeClose() {
        pair.connect().close();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pair.close();
    }
}
