package dev.jinn.runtime.cpu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link KernelAllocationTest} for the portable (AVX2/NEON) kernels, in a JVM of its own (surefire execution
 * {@code kernel-allocation-portable}): a JVM runs one kernel set (KernelSelector picks it once per JVM), and with
 * both sets compiled in one test JVM a portable kernel once compiled with boxed vectors after the AVX-512 ones had
 * run (Q4_0, one run of about seventeen), which no application can see.
 */
class PortableKernelAllocationTest {
    /** The portable (AVX2/NEON) kernels at the width this JVM gives them (256 bits on this machine). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "BF16", "Q4_K", "Q6_K", "Q8_0", "Q4_0"})
    void compiledPortableKernelAllocatesNothing(GgmlType type) {
        KernelAllocationTest.assertMatVecsAllocateNothing(new PortableKernels(), type);
    }

    /** The portable kernels' prefill: tokens in pairs and an odd one. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q6_K", "Q8_0"})
    void compiledPortableBatchedKernelsAllocateNothing(GgmlType type) {
        KernelAllocationTest.assertMatMulsAllocateNothing(new PortableKernels(), type, 7);
    }

    /** The portable attention helpers: a 128-wide head's ggml-order dot, f16 accumulate and scale, f16 decoding. */
    @Test
    void compiledPortableAttentionHelpersAllocateNothing() {
        Kernels kernels = new PortableKernels();
        int n = 128;
        float[] q = KernelsTest.randomFloats(n, 31);
        float[] k = KernelsTest.randomFloats(n, 32);
        float[] acc = new float[n];
        float[] dst = new float[n];
        MemorySegment f16 = KernelsTest.randomRows(GgmlType.F16, 1, n, 33);
        float[] sink = new float[1];
        long fewest = KernelAllocationTest.fewestBytesPerRound(() -> {
            sink[0] += kernels.dotGgmlF16Order(q, 0, k, 0, n);
            kernels.madF16(acc, k, 0, 0.01f, n);
            kernels.scaleF16(acc, 0.5f, n);
            kernels.f16ToFloat(f16, 0, dst, 0, n);
        });
        assertThat(fewest).as("bytes allocated by 200 rounds of the %s attention helpers", kernels.name())
                .isLessThan(1024);
    }
}
