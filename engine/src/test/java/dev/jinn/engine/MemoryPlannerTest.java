package dev.jinn.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.KvCacheType;
import dev.jinn.MemoryPlan;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.quant.hf.HfConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MemoryPlannerTest {
    static final Path GOLDEN = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "golden");
    /** DeepSeek-R1-Distill-Qwen-14B as in ../shared/data/tokenizer/deepseek-r1-distill-qwen/config.json. */
    static final ModelConfig R1_14B = new ModelConfig("qwen2", 5120, 48, 40, 8, 128, 13824, 152064, 131072, 1e6f, true, 1e-5f, false);

    @Test
    void kvCacheOf14BByHand() {
        // 2 (K and V) x 48 layers x 8 KV heads x 128 x 2 bytes = 196,608 bytes per token in F16.
        assertThat(MemoryPlanner.kvCacheBytes(R1_14B, 1, KvCacheType.F16)).isEqualTo(196_608);
        assertThat(MemoryPlanner.kvCacheBytes(R1_14B, 16_384, KvCacheType.F16)).isEqualTo(196_608L * 16_384);
        assertThat(MemoryPlanner.kvCacheBytes(R1_14B, 1024, KvCacheType.F32)).isEqualTo(393_216L * 1024);
        assertThat(MemoryPlanner.kvCacheBytes(R1_14B, 1024, KvCacheType.Q8_0)).isEqualTo(196_608L / 2 * 34 / 32 * 1024);
    }

    @Test
    void weightsOf14BInQ4KmAndQ8_0() {
        MemoryPlan q4 = MemoryPlanner.plan(MemoryPlanner.of("r1-14b", R1_14B, Quantization.Q4_K_M), 8192, 64, KvCacheType.F16, 2);
        // 8.99 GB for the whole Q4_K_M file (PERFORMANCE.md), of which a few MB are metadata.
        assertThat(q4.weightsBytes()).isBetween(8_970_000_000L, 8_990_000_000L);
        assertThat(q4.weightsBytesByType()).containsOnlyKeys("F32", "Q4_K", "Q6_K");
        MemoryPlan q8 = MemoryPlanner.plan(MemoryPlanner.of("r1-14b", R1_14B, Quantization.Q8_0), 8192, 64, KvCacheType.F16, 2);
        assertThat(q8.weightsBytes()).isBetween(15_600_000_000L, 15_750_000_000L);
        // Q8_0 by hand: every matrix element is 34/32 bytes; norms and biases F32.
        long matrix = 152064L * 5120 * 2 + 48L * (5120L * 5120 * 2 + 5120L * 1024 * 2 + 3L * 5120 * 13824);
        long vectors = 5120 + 48L * (2 * 5120 + 5120 + 2 * 1024);
        assertThat(q8.weightsBytes()).isEqualTo(matrix / 32 * 34 + vectors * 4);
        assertThat(q8.totalBytes()).isEqualTo(q8.weightsBytes() + q8.kvCacheBytes() + q8.scratchBytes());
    }

    @Test
    void weightsFromAFileAreExactAndMatchThePlanFromItsShape() {
        Path f = GOLDEN.resolve("golden-q4_k_m.gguf");
        long sum = 0;
        try (GgufFile g = GgufFile.open(f)) {
            for (GgufTensorInfo t : g.tensors()) {
                sum += t.byteSize();
            }
        }
        MemoryPlanner.Model fromFile = MemoryPlanner.of(f);
        assertThat(fromFile.weightsBytes()).isEqualTo(sum);
        assertThat(fromFile.quantization()).isEqualTo("Q4_K_M");
        MemoryPlanner.Model fromShape = MemoryPlanner.of("golden", fromFile.config(), Quantization.Q4_K_M);
        assertThat(fromShape.weightsBytes()).isEqualTo(sum);
        assertThat(fromShape.byType()).isEqualTo(fromFile.byType());
    }

    @Test
    void huggingFaceConfigOf14BGivesTheSameShape() {
        Path cfg = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "tokenizer/deepseek-r1-distill-qwen/config.json");
        assertThat(MemoryPlanner.configOf(HfConfig.read(cfg))).isEqualTo(R1_14B);
    }

    @Test
    void badArgumentsAreRefused() {
        MemoryPlanner.Model m = MemoryPlanner.of("r1-14b", R1_14B, Quantization.Q4_K_M);
        assertThatThrownBy(() -> MemoryPlanner.plan(m, 0, 64, KvCacheType.F16, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("context");
        assertThatThrownBy(() -> MemoryPlanner.plan(m, 10, 0, KvCacheType.F16, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
