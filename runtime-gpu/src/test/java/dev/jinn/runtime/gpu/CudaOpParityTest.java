package dev.jinn.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.KvCacheType;
import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.gpu.fake.FakeCuda;
import dev.jinn.spi.Backend;

/** The op parity suite on the fake driver (Java reference kernels, cuBLAS computed in Java). */
class CudaOpParityTest extends CudaOpParityContract {
    final FakeCuda fake = new FakeCuda();

    @Override
    Backend open() {
        return CudaTestBackends.fake(fake, true, true);
    }

    @Override
    void afterMatmul(GgmlType type) {
        // F32 weights keep float32 activations on the mat-vec path, Q8_0/Q4_0 their integer mat-vecs
        boolean gemm = type != GgmlType.F32 && type != GgmlType.Q8_0 && type != GgmlType.Q4_0;
        assertThat(fake.gemms() > 0).as("cuBLAS used for %s", type).isEqualTo(gemm);
    }

    @Override
    void verifyClosed() {
        assertThat(fake.errors()).as("driver misuse").isEmpty();
        assertThat(fake.liveAllocations()).as("device allocations left").isZero();
        assertThat(fake.livePinned()).as("pinned buffers left").isZero();
        assertThat(fake.liveHandles()).as("handles left").isZero();
        fake.close();
    }

    /** The same without cuBLAS: prefill runs the mat-vec kernels with n rows. */
    static class WithoutCublas extends CudaOpParityTest {
        @Override
        Backend open() {
            return CudaTestBackends.fake(fake, true, false);
        }

        @Override
        void afterMatmul(GgmlType type) {
            assertThat(fake.gemms()).as("cuBLAS calls").isZero();
        }
    }

    /**
     * F16 caches on the split (flash-decoding) kernels ({@code jinn.cuda.attention=split}): float accumulation, so
     * apart from the CPU's f16 running sum by its rounding (a few 1e-3), not bit for bit.
     */
    static class SplitAttention extends CudaOpParityTest {
        @Override
        Backend open() {
            return CudaTestBackends.fake(fake, new CudaBackend.Config(true, CudaTestBackends.TEST_TILE_BYTES, true),
                    true);
        }

        @Override
        double attentionBound(KvCacheType kvType) {
            return kvType == KvCacheType.F16 ? 5e-3 : 1e-5;
        }
    }
}
