package dev.jinn.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The backend's system-property switches: values it takes, and a clear error for one it does not. */
class CudaBackendConfigTest {
    @AfterEach
    void clear() {
        System.clearProperty("jinn.cuda.attention");
        System.clearProperty("jinn.cuda.graphs");
    }

    @Test
    void defaultsAreGraphsAndGgmlAttention() {
        CudaBackend.Config c = CudaBackend.Config.fromSystemProperties();
        assertThat(c.graphs()).isTrue();
        assertThat(c.splitAttention()).isFalse();
        assertThat(c.tileBytes()).isEqualTo(CudaBackend.DEFAULT_TILE_BYTES);
    }

    @Test
    void splitAttentionAndNoGraphs() {
        System.setProperty("jinn.cuda.attention", " Split ");
        System.setProperty("jinn.cuda.graphs", "false");
        CudaBackend.Config c = CudaBackend.Config.fromSystemProperties();
        assertThat(c.splitAttention()).isTrue();
        assertThat(c.graphs()).isFalse();
    }

    @Test
    void unknownAttentionModeNamesPropertyAndValue() {
        System.setProperty("jinn.cuda.attention", "fast");
        assertThatThrownBy(CudaBackend.Config::fromSystemProperties)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jinn.cuda.attention")
                .hasMessageContaining("'fast'")
                .hasMessageContaining("ggml or split");
    }
}
