package dev.jinn.runtime.gpu;

import dev.jinn.runtime.gpu.fake.FakeCuda;
import dev.jinn.spi.Backend;
import dev.jinn.spi.BackendAvailability;
import dev.jinn.spi.BackendOptions;
import dev.jinn.spi.BackendProvider;

/**
 * Test-only provider {@code cuda-fake}: the real {@link CudaBackend} on a fresh {@link FakeCuda} with the reference
 * kernels, so whole models load through {@code ModelLoader} with {@code backend("cuda-fake")}. Lowest priority, so
 * automatic selection in other tests never picks it.
 */
public final class FakeCudaBackendProvider implements BackendProvider {
    /** Whether backends created next capture decode graphs. */
    static volatile boolean graphs = true;
    /** Whether backends created next get the fake cuBLAS. */
    static volatile boolean cublas = true;
    /** The driver of the backend created last, for leak checks. */
    static volatile FakeCuda last;
    /** The backend created last. */
    static volatile CudaBackend lastBackend;
    /** Priority: lowest by default, so automatic selection elsewhere never picks it; a test may raise it. */
    static volatile int priority = -100;
    /** What {@link #memoryBytes()} reports (-1: unknown). */
    static volatile long memory = -1;

    @Override
    public String name() {
        return "cuda-fake";
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public long memoryBytes() {
        return memory;
    }

    @Override
    public BackendAvailability availability() {
        return BackendAvailability.available("fake CUDA driver with the Java reference kernels (tests only)");
    }

    @Override
    public Backend create(BackendOptions options) {
        FakeCuda f = new FakeCuda();
        last = f;
        CudaBackend b = CudaTestBackends.fake(f, graphs, cublas);
        lastBackend = b;
        return b;
    }
}
