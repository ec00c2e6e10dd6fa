package dev.jinn.runtime.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.KvCacheType;
import dev.jinn.engine.Llama2cLoader;
import dev.jinn.engine.LlamaTransformer;
import dev.jinn.engine.SequenceState;
import dev.jinn.runtime.cpu.internal.ScalarKernels;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The Llama path end to end on Karpathy's trained stories260K: greedy decoding from BOS gives the known story. */
class Stories260KTest {
    static final Path MODEL = Path.of(System.getProperty("jinn.shared.data"), "tiny-model", "stories260K.bin");
    static final int[] EXPECTED = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298};

    static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }

    int[] greedy(LlamaTransformer t, int steps) {
        try (SequenceState s = t.newSequence(64)) {
            int[] out = new int[steps];
            int token = 1;
            for (int i = 0; i < steps; i++) {
                float[] logits = t.forward(s, new int[] {token}, false);
                token = argmax(logits, 0, logits.length);
                out[i] = token;
            }
            return out;
        }
    }

    @Test
    void greedyStoryFromBosWithVectorKernels() {
        try (LlamaTransformer t = Llama2cLoader.load(MODEL, CpuBackend.create(2), KvCacheType.F32)) {
            assertThat(greedy(t, EXPECTED.length)).containsExactly(EXPECTED);
        }
    }

    @Test
    void greedyStoryFromBosWithScalarKernelsAndF16Cache() {
        try (LlamaTransformer t = Llama2cLoader.load(MODEL, new CpuBackend(1, new ScalarKernels()), KvCacheType.F16)) {
            assertThat(greedy(t, EXPECTED.length)).containsExactly(EXPECTED);
        }
    }

    @Test
    void batchedPrefillMatchesTokenByToken() {
        int[] prompt = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298};
        try (LlamaTransformer t = Llama2cLoader.load(MODEL, CpuBackend.create(2), KvCacheType.F32);
             SequenceState batch = t.newSequence(32);
             SequenceState single = t.newSequence(32)) {
            float[] all = t.forward(batch, prompt, true);
            int vocab = t.config().vocabSize();
            for (int i = 0; i < prompt.length; i++) {
                float[] one = t.forward(single, new int[] {prompt[i]}, false);
                float[] row = Arrays.copyOfRange(all, i * vocab, (i + 1) * vocab);
                for (int j = 0; j < vocab; j++) {
                    assertThat(row[j]).as("position %d logit %d", i, j).isCloseTo(one[j],
                            org.assertj.core.data.Offset.offset(1e-4f));
                }
            }
            assertThat(batch.length()).isEqualTo(prompt.length);
        }
    }
}
