package dev.jinn.runtime.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.KvCacheType;
import dev.jinn.MemoryPlan;
import dev.jinn.engine.LoadOptions;
import dev.jinn.engine.LoadedModel;
import dev.jinn.engine.MemoryPlanner;
import dev.jinn.engine.ModelLoader;
import dev.jinn.engine.SequenceState;
import dev.jinn.quant.Quantization;
import dev.jinn.testing.SyntheticModelWriter;
import dev.jinn.testing.SyntheticShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory plan against what the process really takes: RSS growth while a synthetic model is loaded and its
 * context filled (weights paged in from the mapping, the native KV cache), plus the Java heap it holds live (the
 * scratch arrays). Within 10%.
 */
class MemoryPlanAccuracyTest {
    /** About 110 MB of Q8_0 weights: large enough that JVM noise stays far below 10%. */
    static final SyntheticShape SHAPE = new SyntheticShape("plan-test", "qwen2", 1024, 8, 8, 4, 2816, 4118, 4096, 1e6f, false);
    static final int CONTEXT = 384;

    @Test
    void planIsWithinTenPercentOfMeasuredRssGrowth(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("plan.gguf");
        SyntheticModelWriter.write(model, SHAPE, Quantization.Q8_0, 3, null);
        // Measured in a child JVM with a fixed, pre-touched heap, so heap growth and shrinkage do not count.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), model.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        String last = out.strip().lines().reduce((x, y) -> y).orElseThrow();
        long measured = Long.parseLong(last.trim());
        MemoryPlan plan = MemoryPlanner.plan(MemoryPlanner.of(model), CONTEXT, ModelLoader.PREFILL_BATCH,
                KvCacheType.F16, 2);
        assertThat(plan.weightsBytes()).isGreaterThan(100_000_000L);
        System.out.printf("memory plan %d bytes (weights %d, KV %d, scratch %d); measured RSS growth %d (%.1f%%)%n",
                plan.totalBytes(), plan.weightsBytes(), plan.kvCacheBytes(), plan.scratchBytes(), measured,
                100.0 * (measured - plan.totalBytes()) / plan.totalBytes());
        assertThat((double) measured).as("RSS growth %d vs plan %d", measured, plan.totalBytes())
                .isBetween(0.9 * plan.totalBytes(), 1.1 * plan.totalBytes());
    }

    /** Loads the model twice (the first time to warm up), prints the RSS growth of the second load + fill. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path model = Path.of(args[0]);
            LoadOptions opts = LoadOptions.builder().contextLength(CONTEXT).threads(2).kvCacheType(KvCacheType.F16).build();
            fill(model, opts);
            long heapBefore = heapInUse();
            long before = rss();
            try (LoadedModel m = ModelLoader.load(model, opts); SequenceState s = m.transformer().newSequence(CONTEXT)) {
                m.transformer().forward(s, tokens(CONTEXT), false);
                if (m.plan().totalBytes() != MemoryPlanner.plan(MemoryPlanner.of(model), CONTEXT, m.plan().batchSize(),
                        KvCacheType.F16, 2).totalBytes()) {
                    throw new IllegalStateException("loader planned differently: " + m.plan());
                }
                // the pre-touched heap hides the scratch arrays from the RSS: what the heap holds live is added
                System.out.println(rss() - before + heapInUse() - heapBefore);
            }
        }
    }

    /** Bytes of the Java heap in use after a full collection (Serial: System.gc() collects everything). */
    private static long heapInUse() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static void fill(Path model, LoadOptions opts) {
        try (LoadedModel m = ModelLoader.load(model, opts); SequenceState s = m.transformer().newSequence(CONTEXT)) {
            m.transformer().forward(s, tokens(CONTEXT), false);
        }
    }

    private static int[] tokens(int n) {
        SplittableRandom r = new SplittableRandom(1);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(4096);
        }
        return t;
    }

    /** Resident set size of this process, from /proc/self/status. */
    static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
