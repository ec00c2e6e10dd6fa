package dev.jinn.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.jinn.BackendUnavailableException;
import dev.jinn.KvCacheType;
import dev.jinn.MemoryPlan;
import dev.jinn.engine.Backends;
import dev.jinn.engine.MemoryPlanner;
import dev.jinn.runtime.gpu.fake.FakeCuda;
import dev.jinn.runtime.gpu.internal.CudaDriver;
import dev.jinn.runtime.gpu.internal.Nvml;
import dev.jinn.spi.BackendAvailability;
import dev.jinn.spi.BackendOptions;
import dev.jinn.spi.BackendProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Availability and its reasons, on this machine and on faked drivers; discovery; selection falls back to the CPU. */
class CudaBackendProviderTest {
    private final FakeCuda fake = new FakeCuda();

    @AfterEach
    void close() {
        assertThat(fake.liveAllocations()).as("probing allocates no device memory").isZero();
        assertThat(fake.liveHandles()).as("probing creates no context").isZero();
        fake.close();
    }

    private BackendAvailability probe(boolean image) {
        return CudaBackendProvider.probe(new CudaDriver(fake.driver(), "/fake/libcuda.so.1"), image).availability();
    }

    @Test
    void isFoundAndRanksAboveTheCpu() {
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("cuda")).findFirst()
                .orElseThrow();
        assertThat(p).isInstanceOf(CudaBackendProvider.class);
        assertThat(p.priority()).isGreaterThan(10);
    }

    @Test
    void withoutADriverItIsUnavailableAndSaysWhere() {
        CudaBackendProvider p = new CudaBackendProvider();
        assumeFalse(p.availability().available(), "this machine has a usable GPU");
        BackendAvailability a = p.availability();
        System.out.println("cuda here: " + a.reason());
        assertThat(a.reason()).isNotBlank();
        assertThat(p.memoryBytes()).isEqualTo(-1);
        assertThatThrownBy(() -> p.create(BackendOptions.defaults())).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining(a.reason());
        // automatic selection falls back to the CPU; asking for cuda explains why not
        assertThat(Backends.select(null).name()).isEqualTo("cpu");
        assertThatThrownBy(() -> Backends.select("cuda")).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("cuda: " + a.reason());
    }

    @Test
    void noLibcudaIsNamedInTheReason() {
        assumeFalse(new CudaBackendProvider().availability().available(), "this machine has a usable GPU");
        if (!System.getenv().containsKey("JINN_CUDA_LIBRARY")) {
            assertThat(new CudaBackendProvider().availability().reason()).contains("libcuda.so.1");
        }
    }

    @Test
    void automaticSelectionFallsBackToTheCpuWhenTheGpuIsTooSmall() {
        MemoryPlan plan = MemoryPlanner.plan(MemoryPlanner.of(CudaGraphTest.MODEL), 256, 64, KvCacheType.F16, 2);
        try {
            FakeCudaBackendProvider.priority = 100;
            FakeCudaBackendProvider.memory = plan.totalBytes() + CudaBackendProvider.RESERVED_BYTES;
            assertThat(Backends.select(null, plan).name()).isEqualTo("cuda-fake");
            FakeCudaBackendProvider.memory = plan.totalBytes() - 1;
            assertThat(Backends.select(null, plan).name()).isEqualTo("cpu");
            assertThatThrownBy(() -> Backends.select("cuda-fake", plan))
                    .isInstanceOf(BackendUnavailableException.class).hasMessageContaining("the model needs");
        } finally {
            FakeCudaBackendProvider.priority = -100;
            FakeCudaBackendProvider.memory = -1;
        }
    }

    @Test
    void memoryOffersTotalLessWhatTheBackendKeeps() {
        fake.totalMemory(141L << 30);
        var p = CudaBackendProvider.probe(new CudaDriver(fake.driver(), "fake"), true);
        assertThat(CudaBackendProvider.memoryOf(p)).as("no NVML: total less the reserve")
                .isEqualTo((141L << 30) - (576L << 20));
        var withNvml = p.withNvml(Nvml.open(fake.nvml(), "fake nvml").orElseThrow());
        fake.usedElsewhere(40L << 30);
        assertThat(CudaBackendProvider.memoryOf(withNvml)).as("NVML: free less the reserve")
                .isEqualTo((101L << 30) - (576L << 20));
        fake.usedElsewhere(141L << 30);
        assertThat(CudaBackendProvider.memoryOf(withNvml)).isZero();
        fake.computeCapability(7, 0);
        var old = CudaBackendProvider.probe(new CudaDriver(fake.driver(), "fake"), true);
        assertThat(CudaBackendProvider.memoryOf(old)).as("unavailable: unknown").isEqualTo(-1);
    }

    @Test
    void availableOnAGoodDevice() {
        fake.driverVersion(13000).computeCapability(9, 0).totalMemory(141L << 30);
        BackendAvailability a = probe(true);
        assertThat(a.available()).isTrue();
        assertThat(a.reason()).contains("Fake CUDA device", "compute capability 9.0", "141.0 GiB", "CUDA 13.0");
    }

    @Test
    void tooOldADriver() {
        fake.driverVersion(12040);
        BackendAvailability a = probe(true);
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("CUDA 12.4", "CUDA 13.0 or newer");
    }

    @Test
    void noDevice() {
        fake.deviceCount(0);
        assertThat(probe(true).reason()).contains("no CUDA device");
        fake.failInit(100);
        BackendAvailability a = probe(true);
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("no CUDA device", "CUDA_ERROR_NO_DEVICE");
    }

    @Test
    void driverThatDoesNotStart() {
        fake.failInit(999);
        assertThat(probe(true).reason()).contains("/fake/libcuda.so.1", "CUDA_ERROR_UNKNOWN");
    }

    @Test
    void tooOldADevice() {
        fake.computeCapability(7, 5);
        BackendAvailability a = probe(true);
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("compute capability 7.5", "8.0 or newer");
    }

    @Test
    void noKernelImage() {
        BackendAvailability a = probe(false);
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).contains("jinn-kernels.fatbin");
    }
}
