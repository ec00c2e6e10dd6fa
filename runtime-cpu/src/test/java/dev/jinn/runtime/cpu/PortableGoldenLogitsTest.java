package dev.jinn.runtime.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.runtime.cpu.internal.PortableKernels;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The forward pass on the kernels an AVX2 or Arm machine gets ({@code jinn.cpu.kernels=portable}), against
 * llama.cpp's logits under the same bounds as {@link GoldenLogitsTest}. The default test run has them at 256 bits; the
 * {@code portable-128} surefire execution runs this class again with {@code -Djinn.cpu.portableBits=128}.
 */
class PortableGoldenLogitsTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"q8_0,0.0245,26,16", "q6_k,0.065,26,16", "q4_k_m,0.205,26,16"})
    void portableKernelsMatchLlamaCpp(String name, double maxRms, int minTop1, int greedyTokens) throws IOException {
        String before = System.getProperty("jinn.cpu.kernels");
        System.setProperty("jinn.cpu.kernels", "portable");
        try {
            assertThat(KernelSelector.best().name()).isEqualTo("portable-" + PortableKernels.BITS);
            GoldenLogitsTest.check(name, maxRms, minTop1, greedyTokens);
        } finally {
            if (before == null) {
                System.clearProperty("jinn.cpu.kernels");
            } else {
                System.setProperty("jinn.cpu.kernels", before);
            }
        }
    }
}
