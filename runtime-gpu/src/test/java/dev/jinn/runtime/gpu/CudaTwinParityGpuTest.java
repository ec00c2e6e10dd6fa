package dev.jinn.runtime.gpu;

import dev.jinn.runtime.gpu.fake.FakeCuda;
import dev.jinn.spi.Backend;
import org.junit.jupiter.api.Tag;

/**
 * Every kernel on the GPU against its Java reference twin: the op suite with the real backend compared with the
 * same backend on the fake driver (which runs the twins), so each op's kernels (every mat-vec and F16 dequantizer,
 * f32→f16, Q8_0 activations, bias, rope, KV store, both attention passes, swiglu, add, embed) meet their twin on the same inputs.
 * Skipped with the provider's reason where there is no usable GPU.
 */
@Tag("gpu")
class CudaTwinParityGpuTest extends CudaOpParityContract {
    @Override
    Backend open() {
        return CudaTestBackends.real();
    }

    @Override
    Backend reference() {
        return CudaTestBackends.fake(new FakeCuda(), false, true);
    }
}
