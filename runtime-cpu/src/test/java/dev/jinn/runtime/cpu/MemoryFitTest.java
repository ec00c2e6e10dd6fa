package dev.jinn.runtime.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.BackendUnavailableException;
import dev.jinn.KvCacheType;
import dev.jinn.engine.LoadOptions;
import dev.jinn.engine.LoadedModel;
import dev.jinn.engine.ModelLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loader plans memory first and refuses, with the numbers, a model that does not fit. */
class MemoryFitTest {
    static final Path Q8 = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "golden/golden-q8_0.gguf");

    @AfterEach
    void clear() {
        System.clearProperty("jinn.cpu.memoryBytes");
    }

    @Test
    void reportsAvailableRamOnLinux() {
        assertThat(new CpuBackendProvider().memoryBytes()).isPositive();
    }

    @Test
    void aModelThatDoesNotFitIsRefusedBeforeLoadingWithTheNumbers() {
        System.setProperty("jinn.cpu.memoryBytes", Long.toString(4L << 20)); // 4 MiB: the 9.6 MB file cannot fit
        assertThatThrownBy(() -> ModelLoader.load(Q8, LoadOptions.builder().contextLength(1024).build()))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("cpu: the model needs")
                .hasMessageContaining("KV cache")
                .hasMessageContaining("1024 positions")
                .hasMessageContaining("0.00 GiB is available");
    }

    @Test
    void theLoadedModelCarriesItsPlan() {
        System.setProperty("jinn.cpu.memoryBytes", Long.toString(1L << 30));
        try (LoadedModel m = ModelLoader.load(Q8, LoadOptions.builder().contextLength(512).kvCacheType(KvCacheType.F32).build())) {
            assertThat(m.plan().contextLength()).isEqualTo(512);
            assertThat(m.plan().kvCacheType()).isEqualTo(KvCacheType.F32);
            // 2 x 2 layers x 2 KV heads x 128 x 512 positions x 4 bytes
            assertThat(m.plan().kvCacheBytes()).isEqualTo(2L * 2 * 2 * 128 * 512 * 4);
            assertThat(m.plan().weightsBytes()).isBetween(9_000_000L, 9_639_584L);
        }
    }
}
