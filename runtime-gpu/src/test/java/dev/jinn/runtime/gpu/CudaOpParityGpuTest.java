package dev.jinn.runtime.gpu;

import dev.jinn.spi.Backend;
import org.junit.jupiter.api.Tag;

/** The op parity suite on the real driver and GPU; skipped with the provider's reason where there is none. */
@Tag("gpu")
class CudaOpParityGpuTest extends CudaOpParityContract {
    @Override
    Backend open() {
        return CudaTestBackends.real();
    }
}
