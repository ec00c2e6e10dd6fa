package dev.jinn.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.KvCacheType;
import dev.jinn.engine.LoadOptions;
import dev.jinn.engine.LoadedModel;
import dev.jinn.engine.ModelLoader;
import dev.jinn.engine.SequenceState;
import dev.jinn.engine.Transformer;
import dev.jinn.runtime.gpu.fake.FakeCuda;
import dev.jinn.testing.GoldenFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Decode graphs on the fake driver: replay gives exactly the logits of running every kernel one by one, a changed op
 * sequence is re-captured rather than replayed, each sequence keeps its own graph, and sequences on several
 * threads share one backend safely.
 */
class CudaGraphTest {
    static final Path MODEL = CudaGoldenContract.GOLDEN.resolve("golden-q8_0.gguf");
    static final int[] PROMPT = {4099, 4097, 100, 200, 300, 4098};

    @AfterEach
    void reset() {
        FakeCudaBackendProvider.graphs = true;
        FakeCudaBackendProvider.cublas = true;
    }

    static LoadedModel load(boolean graphs) {
        FakeCudaBackendProvider.graphs = graphs;
        return ModelLoader.load(MODEL, LoadOptions.builder().backend("cuda-fake").contextLength(128)
                .kvCacheType(KvCacheType.F16).build());
    }

    /** Prompt, then {@code steps} greedy decode steps; every step's logits, concatenated. */
    static List<float[]> run(Transformer t, SequenceState s, int steps, boolean alternateAllLogits) {
        List<float[]> out = new ArrayList<>();
        float[] logits = t.forward(s, PROMPT, false);
        out.add(logits);
        for (int i = 0; i < steps; i++) {
            int next = GoldenFiles.argmax(logits, 0, logits.length);
            logits = t.forward(s, new int[] {next}, alternateAllLogits && i % 2 == 1);
            out.add(logits);
        }
        return out;
    }

    @Test
    void replayEqualsKernelByKernel() {
        List<float[]> eager;
        try (LoadedModel m = load(false); SequenceState s = m.transformer().newSequence(64)) {
            eager = run(m.transformer(), s, 6, false);
            assertThat(FakeCudaBackendProvider.lastBackend.graphCaptures()).isZero();
        }
        try (LoadedModel m = load(true); SequenceState s = m.transformer().newSequence(64)) {
            CudaBackend b = FakeCudaBackendProvider.lastBackend;
            FakeCuda fake = FakeCudaBackendProvider.last;
            List<float[]> graphed = run(m.transformer(), s, 1, false);
            int launchesBefore = fake.launchCalls();
            int kernelsBefore = fake.kernelRuns();
            for (int i = 0; i < 5; i++) {
                float[] last = graphed.getLast();
                graphed.add(m.transformer().forward(s, new int[] {GoldenFiles.argmax(last, 0, last.length)},
                        false));
            }
            assertThat(b.graphCaptures()).isEqualTo(1);
            assertThat(b.graphReplays()).isEqualTo(5);
            assertThat(fake.launchCalls()).as("no kernel launched one by one in replayed steps")
                    .isEqualTo(launchesBefore);
            assertThat(fake.kernelRuns()).as("the replayed graphs ran kernels").isGreaterThan(kernelsBefore);
            assertThat(graphed).hasSameSizeAs(eager);
            for (int i = 0; i < eager.size(); i++) {
                assertThat(graphed.get(i)).as("logits of step %d", i).containsExactly(eager.get(i));
            }
        }
        assertThat(FakeCudaBackendProvider.last.errors()).isEmpty();
        assertThat(FakeCudaBackendProvider.last.liveAllocations()).isZero();
    }

    @Test
    void changedOpSequenceIsRecapturedNotReplayed() {
        List<float[]> eager;
        try (LoadedModel m = load(false); SequenceState s = m.transformer().newSequence(64)) {
            eager = run(m.transformer(), s, 6, true);
        }
        try (LoadedModel m = load(true); SequenceState s = m.transformer().newSequence(64)) {
            // allLogits = true skips the copy of the last row: a different op list on every other step
            List<float[]> graphed = run(m.transformer(), s, 6, true);
            CudaBackend b = FakeCudaBackendProvider.lastBackend;
            assertThat(b.graphCaptures()).isEqualTo(6);
            assertThat(b.graphReplays()).isZero();
            for (int i = 0; i < eager.size(); i++) {
                assertThat(graphed.get(i)).as("logits of step %d", i).containsExactly(eager.get(i));
            }
        }
        assertThat(FakeCudaBackendProvider.last.errors()).isEmpty();
    }

    @Test
    void sequencesOnSeveralThreadsShareTheBackend() throws Exception {
        try (LoadedModel m = load(true)) {
            Transformer t = m.transformer();
            List<float[]> alone;
            try (SequenceState s = t.newSequence(64)) {
                alone = run(t, s, 4, false);
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<List<float[]>>> futures = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    futures.add(pool.submit(() -> {
                        try (SequenceState s = t.newSequence(64)) {
                            return run(t, s, 4, false);
                        }
                    }));
                }
                for (Future<List<float[]>> f : futures) {
                    List<float[]> got = f.get();
                    for (int i = 0; i < alone.size(); i++) {
                        assertThat(got.get(i)).containsExactly(alone.get(i));
                    }
                }
            } finally {
                pool.shutdown();
            }
            assertThat(FakeCudaBackendProvider.lastBackend.graphCaptures()).as("one graph per sequence").isEqualTo(4);
        }
        assertThat(FakeCudaBackendProvider.last.errors()).isEmpty();
        assertThat(FakeCudaBackendProvider.last.liveAllocations()).isZero();
    }
}
