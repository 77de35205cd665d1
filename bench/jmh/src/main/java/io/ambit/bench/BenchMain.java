package io.ambit.bench;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the TLS benchmarks and prints Ambit's figure beside the peer's (JDK TLS) and the no-TLS
 * limit, all from the same run, as ratios. Extra arguments are JMH's own (e.g. {@code -f 2 -i 10}).
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        Options options = new OptionsBuilder()
                .parent(cli)
                .include(TlsThroughputBenchmark.class.getSimpleName())
                .include(TlsHandshakeBenchmark.class.getSimpleName())
                .forks(cli.getForkCount().orElse(1))
                .warmupIterations(cli.getWarmupIterations().orElse(3))
                .warmupTime(cli.getWarmupTime().orElse(TimeValue.seconds(2)))
                .measurementIterations(cli.getMeasurementIterations().orElse(5))
                .measurementTime(cli.getMeasurementTime().orElse(TimeValue.seconds(2)))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .build();
        Collection<RunResult> results = new Runner(options).run();

        report(results, TlsThroughputBenchmark.class, "Bulk transfer, one connection (MiB/s)", 1.0);
        report(results, TlsHandshakeBenchmark.class, "Connect + mutual handshake + close (connections/s)", 1.0);
    }

    private static void report(Collection<RunResult> results, Class<?> benchmark, String title, double scale) {
        Map<TlsMode, double[]> byMode = new EnumMap<>(TlsMode.class);
        for (RunResult result : results) {
            if (!result.getParams().getBenchmark().startsWith(benchmark.getName())) {
                continue;
            }
            TlsMode mode = TlsMode.valueOf(result.getParams().getParam("mode"));
            var primary = result.getPrimaryResult();
            byMode.put(mode, new double[] {primary.getScore() * scale, primary.getScoreError() * scale});
        }
        if (byMode.size() != TlsMode.values().length) {
            System.out.println(title + ": incomplete run, no report");
            return;
        }
        double ambit = byMode.get(TlsMode.AMBIT_BORINGSSL)[0];
        double peer = byMode.get(TlsMode.JDK_TLS)[0];
        double limit = byMode.get(TlsMode.PLAINTEXT)[0];
        System.out.println();
        System.out.println(title);
        System.out.printf("  %-32s %12s %10s %12s%n", "", "score", "± error", "of limit");
        for (TlsMode mode : TlsMode.values()) {
            double[] score = byMode.get(mode);
            System.out.printf("  %-32s %12.1f %10.1f %11.0f%%%n", mode.label, score[0], score[1], 100 * score[0] / limit);
        }
        System.out.printf("  Ambit / peer = %.2f   Ambit / limit = %.2f   peer / limit = %.2f%n",
                ambit / peer, ambit / limit, peer / limit);
    }
}
