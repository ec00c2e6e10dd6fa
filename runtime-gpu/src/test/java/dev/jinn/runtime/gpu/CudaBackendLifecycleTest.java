package dev.jinn.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.JinnException;
import dev.jinn.KvCacheType;
import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.gpu.fake.FakeCuda;
import dev.jinn.spi.Tensor;
import dev.jinn.spi.WeightTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Creation that fails part way, close, use after close, misuse, and what read waits for. */
class CudaBackendLifecycleTest {
    private final FakeCuda fake = new FakeCuda();

    @AfterEach
    void noLeaks() {
        assertThat(fake.liveAllocations()).as("device allocations left").isZero();
        assertThat(fake.livePinned()).as("pinned buffers left").isZero();
        assertThat(fake.liveHandles()).as("handles and context references left").isZero();
        fake.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 100, 2100, 66_000}) // fails at the step buffer (0, 100) or the tile scratch
    void outOfMemoryAtCreationLeavesNothing(long budget) {
        fake.failAllocationsAfter(budget);
        assertThatThrownBy(() -> CudaTestBackends.fake(fake, true, true))
                .isInstanceOfSatisfying(CudaException.class, e -> {
                    assertThat(e.function()).isEqualTo("cuMemAlloc_v2");
                    assertThat(e.errorName()).isEqualTo("CUDA_ERROR_OUT_OF_MEMORY");
                });
        assertThat(fake.errors()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"cuDevicePrimaryCtxRetain,2", "cuStreamCreate,2", "cuModuleLoadData,209", "cuModuleGetFunction,500",
            "cublasCreate_v2,3", "cuMemAllocHost_v2,2"})
    void failureAtAnyStepOfCreationLeavesNothing(String function, int code) {
        fake.failNext(function, code);
        assertThatThrownBy(() -> CudaTestBackends.fake(fake, true, true))
                .isInstanceOfSatisfying(CudaException.class, e -> assertThat(e.function()).isEqualTo(function));
    }

    @Test
    void initFailureNamesTheCause() {
        fake.failInit(35);
        assertThatThrownBy(() -> CudaTestBackends.fake(fake, true, true)).isInstanceOf(CudaException.class)
                .hasMessageContaining("cuInit failed: CUDA_ERROR_INSUFFICIENT_DRIVER (35)");
    }

    @Test
    void closeFreesEverythingOnceAndUseAfterCloseThrows() {
        CudaBackend b = CudaTestBackends.fake(fake, true, true);
        Tensor t = b.tensor(2, 64);
        b.kvCache(2, 2, 64, 300, KvCacheType.F32);
        assertThat(fake.liveAllocations()).isGreaterThan(3);
        assertThat(b.deviceBytes()).isGreaterThanOrEqualTo(CudaTestBackends.TEST_TILE_BYTES + 4 * 128);
        b.close();
        b.close();
        assertThatThrownBy(() -> b.tensor(1, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> b.read(t, 0, new float[64], 0)).isInstanceOf(IllegalStateException.class);
        assertThat(fake.errors()).isEmpty();
    }

    @Test
    void otherThreadsGetTheContext() throws Exception {
        try (CudaBackend b = CudaTestBackends.fake(fake, true, true)) {
            var cache = b.kvCache(1, 1, 64, 8, KvCacheType.F16);
            Tensor t = b.tensor(1, 8);
            Thread other = Thread.ofPlatform().start(() -> {
                cache.close();
                b.add(t, t, 1);
            });
            other.join();
        }
        assertThat(fake.errors()).isEmpty();
    }

    @Test
    void readWaitsForQueuedWork() {
        try (CudaBackend b = CudaTestBackends.fake(fake, true, true); Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(4 * 8);
            for (int i = 0; i < 8; i++) {
                data.setAtIndex(ValueLayout.JAVA_FLOAT, i, i + 0.5f);
            }
            WeightTensor table = b.weight("t", GgmlType.F32.id(), 2, 4, data);
            Tensor x = b.tensor(1, 4);
            int syncs = fake.syncs();
            b.embed(table, new int[] {1}, 0, 1, x);
            b.add(x, x, 1);
            float[] out = new float[4];
            b.read(x, 0, out, 0); // the fake runs stream work only at a sync: without one this reads zeros
            assertThat(out).containsExactly(9, 11, 13, 15);
            assertThat(fake.syncs()).isGreaterThan(syncs);
        }
    }

    @Test
    void rejectsWhatItCannotRun() {
        try (CudaBackend b = CudaTestBackends.fake(fake, true, true); Arena a = Arena.ofConfined()) {
            assertThatThrownBy(() -> b.kvCache(2, 2, 64, 16, KvCacheType.Q8_0)).isInstanceOf(JinnException.class)
                    .hasMessageContaining("Q8_0").hasMessageContaining("F16");
            assertThatThrownBy(() -> b.weight("blk.0.attn_q.weight", 6, 4, 32, a.allocate(88)))
                    .isInstanceOf(JinnException.class).hasMessageContaining("blk.0.attn_q.weight")
                    .hasMessageContaining("Q5_0");
            assertThatThrownBy(() -> b.weight("w", 0, 4, 32, a.allocate(100))).isInstanceOf(JinnException.class)
                    .hasMessageContaining("512 bytes, the data has 100");
            assertThat(b.supports(12)).isTrue();
            assertThat(b.supports(6)).isFalse();
            Tensor x = b.tensor(2, 32);
            Tensor y = b.tensor(2, 16);
            assertThatThrownBy(() -> b.add(x, y, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> b.add(x, x, 3)).isInstanceOf(IllegalArgumentException.class);
            try (CudaBackend other = CudaTestBackends.fake(new FakeCuda(), true, false)) {
                assertThatThrownBy(() -> b.add(x, other.tensor(2, 32), 1)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("not a tensor of this CUDA backend");
            }
            b.endStep(); // no step open on this thread: nothing to do
            b.add(x, x, 1);
        }
        assertThat(fake.errors()).isEmpty();
    }

    @Test
    void aStepAbandonedByAnExceptionDoesNotWedgeTheBackend() throws Exception {
        try (CudaBackend b = CudaTestBackends.fake(fake, true, true)) {
            Tensor x = b.tensor(1, 64);
            b.beginStep(1, 0);
            assertThatThrownBy(() -> b.rope(x, 1, 2, 32, 5, 1e4f, true)) // not the step's position
                    .isInstanceOf(IllegalArgumentException.class);
            b.beginStep(1, 0); // the engine's next step on this thread
            b.rope(x, 1, 2, 32, 0, 1e4f, true);
            b.read(x, 0, new float[64], 0);
            b.endStep();
            Thread other = Thread.ofPlatform().start(() -> b.add(x, x, 1));
            other.join(10_000);
            assertThat(other.isAlive()).as("another thread got the device").isFalse();
        }
        assertThat(fake.errors()).isEmpty();
    }
}
