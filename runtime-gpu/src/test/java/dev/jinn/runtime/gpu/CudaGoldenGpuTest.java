package dev.jinn.runtime.gpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Tag;

/** The golden files on the real GPU; skipped with the provider's reason where there is none. */
@Tag("gpu")
class CudaGoldenGpuTest extends CudaGoldenContract {
    @Override
    String backend() {
        CudaBackendProvider p = new CudaBackendProvider();
        assumeTrue(p.availability().available(), () -> "no usable GPU: " + p.availability().reason());
        return "cuda";
    }
}
