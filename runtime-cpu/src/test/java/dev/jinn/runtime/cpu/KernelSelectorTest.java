package dev.jinn.runtime.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.runtime.cpu.internal.PortableKernels;
import java.nio.file.Path;
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

    /** A bad width fails the first load of the portable kernels (class initialization: a JVM of its own). */
    @Test
    void aBadPortableWidthIsNamed() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Djinn.cpu.kernels=portable", "-Djinn.cpu.portableBits=512",
                "-cp", System.getProperty("java.class.path"), BadWidth.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("IllegalArgumentException: jinn.cpu.portableBits must be 128 or 256, not 512");
    }

    /** Loads the CPU kernels and prints what went wrong. */
    static final class BadWidth {
        public static void main(String[] args) {
            try {
                System.out.println("loaded " + KernelSelector.best().name());
            } catch (RuntimeException e) {
                System.out.println(e);
            }
        }
    }

    @Test
    void anUnknownValueIsNamedWithTheChoices() {
        System.setProperty("jinn.cpu.kernels", "avx2");
        assertThatThrownBy(KernelSelector::best).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jinn.cpu.kernels=avx2").hasMessageContaining("auto, avx512, portable or scalar");
    }
}
