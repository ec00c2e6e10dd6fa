package dev.jinn.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.engine.LoadedModel;

/** The golden files on the fake driver: the backend's orchestration (graphs included) with the reference kernels. */
class CudaGoldenTest extends CudaGoldenContract {
    @Override
    String backend() {
        FakeCudaBackendProvider.graphs = true;
        FakeCudaBackendProvider.cublas = true;
        return "cuda-fake";
    }

    @Override
    void inspect(LoadedModel m) {
        CudaBackend b = FakeCudaBackendProvider.lastBackend;
        assertThat(b.graphCaptures()).as("decode graphs captured").isEqualTo(1);
        assertThat(b.graphReplays()).as("decode steps replayed").isGreaterThan(0);
    }

    @Override
    void afterClose() {
        var fake = FakeCudaBackendProvider.last;
        assertThat(fake.errors()).isEmpty();
        assertThat(fake.liveAllocations()).isZero();
        assertThat(fake.livePinned()).isZero();
        assertThat(fake.liveHandles()).isZero();
    }

    /** Prefill through the mat-vec kernels (no cuBLAS) with n rows. */
    static class WithoutCublas extends CudaGoldenTest {
        @Override
        String backend() {
            FakeCudaBackendProvider.graphs = true;
            FakeCudaBackendProvider.cublas = false;
            return "cuda-fake";
        }
    }
}
