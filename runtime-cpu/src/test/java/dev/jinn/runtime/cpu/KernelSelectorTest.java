package dev.jinn.runtime.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.runtime.cpu.internal.PortableKernels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code jinn.cpu.kernels}: each value picks its kernels, {@code auto} goes by the vector width, typos are named. */
class KernelSelectorTest {
    @AfterEach
    void clear() {
        System.clearProperty("jinn.cpu.kernels");
    }

    @Test
    void eachValuePicksItsKernels() {
        System.setProperty("jinn.cpu.kernels", "scalar");
        assertThat(KernelSelector.best().name()).isEqualTo("scalar");
        System.setProperty("jinn.cpu.kernels", " Portable ");
        assertThat(KernelSelector.best().name()).isEqualTo("portable-" + PortableKernels.BITS);
        System.setProperty("jinn.cpu.kernels", "avx512");
        assertThat(KernelSelector.best().name()).isEqualTo("vector");
    }

    @Test
    void autoGoesByThePreferredVectorWidth() {
        int bits = jdk.incubator.vector.VectorShape.preferredShape().vectorBitSize();
        assertThat(KernelSelector.best().name()).isEqualTo(bits >= 512 ? "vector" : "portable-" + PortableKernels.BITS);
    }

    @Test
    void anUnknownValueIsNamedWithTheChoices() {
        System.setProperty("jinn.cpu.kernels", "avx2");
        assertThatThrownBy(KernelSelector::best).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jinn.cpu.kernels=avx2").hasMessageContaining("auto, avx512, portable or scalar");
    }
}
