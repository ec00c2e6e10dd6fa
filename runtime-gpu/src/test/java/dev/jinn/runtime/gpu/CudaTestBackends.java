package dev.jinn.runtime.gpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jinn.runtime.gpu.fake.FakeCuda;
import dev.jinn.runtime.gpu.fake.ReferenceKernels;
import dev.jinn.runtime.gpu.internal.Cublas;
import dev.jinn.runtime.gpu.internal.CudaDriver;
import dev.jinn.spi.BackendOptions;

/**
 * Where the CUDA test suites get their backend: the fake driver with the Java reference kernels (CI), or the real
 * driver and GPU (the {@code gpu} tag), skipped with the provider's reason where there is none.
 */
final class CudaTestBackends {
    private CudaTestBackends() {}

    /** Tiles small enough that the test shapes take several (exercises the tile loop). */
    static final long TEST_TILE_BYTES = 64 << 10;

    /** A backend on {@code fake}, its twins registered. */
    static CudaBackend fake(FakeCuda fake, boolean graphs, boolean cublas) {
        return fake(fake, new CudaBackend.Config(graphs, TEST_TILE_BYTES), cublas);
    }

    /** A backend on {@code fake} with the given configuration, its twins registered. */
    static CudaBackend fake(FakeCuda fake, CudaBackend.Config config, boolean cublas) {
        fake.kernels(ReferenceKernels.all());
        return CudaBackend.open(new CudaDriver(fake.driver(), "fake libcuda"),
                cublas ? new Cublas(fake.cublas(), "fake libcublas") : null, new byte[] {0x7f, 'F', 'A', 'T'},
                config);
    }

    /** The real backend, or the test is skipped with the reason the provider gives. */
    static CudaBackend real() {
        CudaBackendProvider p = new CudaBackendProvider();
        assumeTrue(p.availability().available(), () -> "no usable GPU: " + p.availability().reason());
        return (CudaBackend) p.create(BackendOptions.defaults());
    }
}
