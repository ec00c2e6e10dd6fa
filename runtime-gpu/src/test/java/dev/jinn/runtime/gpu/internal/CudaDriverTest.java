package dev.jinn.runtime.gpu.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.BackendUnavailableException;
import dev.jinn.runtime.gpu.CudaException;
import dev.jinn.runtime.gpu.fake.FakeCuda;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The downcall bindings against the fake driver: arguments and results cross correctly, errors become typed. */
class CudaDriverTest {
    private final FakeCuda fake = new FakeCuda();
    private final CudaDriver cu = new CudaDriver(fake.driver(), "fake libcuda");

    @org.junit.jupiter.api.BeforeEach
    void context() {
        cu.setCurrent(cu.primaryContextRetain(cu.device(0)));
    }

    @AfterEach
    void close() {
        cu.primaryContextRelease(0);
        fake.close();
    }

    @Test
    void devicePropertiesCrossTheBinding() {
        fake.driverVersion(13010).computeCapability(8, 6).totalMemory(24L << 30);
        cu.init();
        assertThat(cu.driverVersion()).isEqualTo(13010);
        assertThat(cu.deviceCount()).isEqualTo(1);
        int dev = cu.device(0);
        assertThat(cu.deviceName(dev)).isEqualTo("Fake CUDA device");
        assertThat(cu.deviceAttribute(dev, CudaDriver.ATTR_CC_MAJOR)).isEqualTo(8);
        assertThat(cu.deviceAttribute(dev, CudaDriver.ATTR_CC_MINOR)).isEqualTo(6);
        assertThat(cu.deviceTotalMemory(dev)).isEqualTo(24L << 30);
        long p = cu.memAlloc(1000, "test");
        assertThat(cu.memoryInfo()).containsExactly((24L << 30) - 1000, 24L << 30);
        cu.memFree(p);
        assertThat(fake.liveHandles()).as("the context reference of this test only").isEqualTo(1);
    }

    @Test
    void errorsNameFunctionCodeAndName() {
        fake.failInit(100);
        assertThatThrownBy(cu::init).isInstanceOfSatisfying(CudaException.class, e -> {
            assertThat(e.function()).isEqualTo("cuInit");
            assertThat(e.code()).isEqualTo(100);
            assertThat(e.errorName()).isEqualTo("CUDA_ERROR_NO_DEVICE");
            assertThat(e).hasMessageContaining("cuInit failed: CUDA_ERROR_NO_DEVICE (100)");
        });
        fake.failAllocationsAfter(4096);
        assertThatThrownBy(() -> cu.memAlloc(8192, "the weights"))
                .isInstanceOf(CudaException.class)
                .hasMessageContaining("cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)")
                .hasMessageContaining("8192 bytes for the weights");
        assertThat(cu.errorName(123456)).isEqualTo("unknown");
    }

    @Test
    void misuseIsCaughtNotCrashed() {
        long p = cu.memAlloc(64, "test");
        cu.memFree(p);
        assertThatThrownBy(() -> cu.memFree(p)).isInstanceOf(CudaException.class).hasMessageContaining("cuMemFree_v2");
        assertThat(fake.errors()).anyMatch(s -> s.contains("double free"));
        try (Arena a = Arena.ofConfined()) {
            long q = cu.memAlloc(16, "test");
            assertThatThrownBy(() -> cu.memcpyHtoD(q, a.allocate(32), 32)).isInstanceOf(CudaException.class)
                    .hasMessageContaining("CUDA_ERROR_ILLEGAL_ADDRESS");
            cu.memFree(q);
        }
    }

    @Test
    void callsWithoutACurrentContextFail() throws InterruptedException {
        Thread t = Thread.ofPlatform().start(() -> assertThatThrownBy(() -> cu.memAlloc(16, "test"))
                .isInstanceOf(CudaException.class).hasMessageContaining("CUDA_ERROR_INVALID_CONTEXT"));
        t.join();
        assertThat(fake.errors()).anyMatch(s -> s.contains("without a current context"));
    }

    @Test
    void missingFunctionIsReportedByName() {
        SymbolLookup partial = name -> name.equals("cuGraphLaunch") ? Optional.empty() : fake.driver().find(name);
        assertThatThrownBy(() -> new CudaDriver(partial, "/opt/old/libcuda.so.1"))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("/opt/old/libcuda.so.1").hasMessageContaining("cuGraphLaunch");
    }

    @Test
    void asyncWorkIsVisibleOnlyAfterSync() {
        MemorySegment stream = cu.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
        MemorySegment host = cu.memAllocHost(16, "test");
        long d = cu.memAlloc(16, "test");
        long d2 = cu.memAlloc(16, "test");
        host.set(JAVA_INT, 0, 42);
        cu.memcpyHtoDAsync(d, host, 16, stream);
        cu.memcpyDtoDAsync(d2, d, 16, stream);
        host.set(JAVA_INT, 0, 7); // the fake reads pinned memory when the copy runs, as the GPU would
        MemorySegment back = cu.memAllocHost(16, "test");
        cu.memcpyDtoHAsync(back, d2, 16, stream);
        assertThat(back.get(JAVA_INT, 0)).isZero();
        cu.streamSynchronize(stream);
        assertThat(back.get(JAVA_INT, 0)).isEqualTo(7);
        MemorySegment start = cu.eventCreate(0);
        MemorySegment end = cu.eventCreate(0);
        cu.eventRecord(start, stream);
        cu.eventRecord(end, stream);
        cu.eventSynchronize(end);
        assertThat(cu.eventElapsedMillis(start, end)).isGreaterThanOrEqualTo(0f);
        cu.eventDestroy(start);
        cu.eventDestroy(end);
        cu.memFree(d);
        cu.memFree(d2);
        cu.memFreeHost(host);
        cu.memFreeHost(back);
        cu.streamDestroy(stream);
        assertThat(fake.liveAllocations()).isZero();
        assertThat(fake.livePinned()).isZero();
        assertThat(fake.liveHandles()).as("only this test's context reference").isEqualTo(1);
        assertThat(fake.errors()).isEmpty();
    }

    @Test
    void asyncCopyFromPageableMemoryIsFlagged() {
        MemorySegment stream = cu.streamCreate(0);
        long d = cu.memAlloc(16, "test");
        try (Arena a = Arena.ofConfined()) {
            assertThatThrownBy(() -> cu.memcpyHtoDAsync(d, a.allocate(16), 16, stream))
                    .isInstanceOf(CudaException.class);
        }
        assertThat(fake.errors()).anyMatch(s -> s.contains("not (entirely) pinned"));
        cu.memFree(d);
        cu.streamDestroy(stream);
    }

    @Test
    void capturedGraphReplaysWithNewHostValues() {
        MemorySegment stream = cu.streamCreate(0);
        MemorySegment host = cu.memAllocHost(4, "test");
        MemorySegment back = cu.memAllocHost(4, "test");
        long d = cu.memAlloc(4, "test");
        cu.streamBeginCapture(stream, CudaDriver.CAPTURE_MODE_RELAXED);
        cu.memcpyHtoDAsync(d, host, 4, stream);
        cu.memcpyDtoHAsync(back, d, 4, stream);
        MemorySegment graph = cu.streamEndCapture(stream);
        MemorySegment exec = cu.graphInstantiate(graph);
        cu.graphDestroy(graph);
        for (int v : new int[] {3, 5}) {
            host.set(JAVA_INT, 0, v);
            cu.graphLaunch(exec, stream);
            cu.streamSynchronize(stream);
            assertThat(back.get(JAVA_INT, 0)).isEqualTo(v);
        }
        assertThat(fake.graphLaunches()).isEqualTo(2);
        cu.graphExecDestroy(exec);
        cu.memFree(d);
        cu.memFreeHost(host);
        cu.memFreeHost(back);
        cu.streamDestroy(stream);
        assertThat(fake.liveHandles()).as("only this test's context reference").isEqualTo(1);
    }

    @Test
    void syncInsideCaptureIsAnError() {
        MemorySegment stream = cu.streamCreate(0);
        cu.streamBeginCapture(stream, CudaDriver.CAPTURE_MODE_RELAXED);
        assertThatThrownBy(() -> cu.streamSynchronize(stream)).isInstanceOf(CudaException.class)
                .hasMessageContaining("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED");
        cu.graphDestroy(cu.streamEndCapture(stream));
        cu.streamDestroy(stream);
    }

    @Test
    void gemmExComputesColumnMajorF16() {
        Cublas blas = new Cublas(fake.cublas(), "fake cublas");
        MemorySegment stream = cu.streamCreate(0);
        MemorySegment h = blas.create();
        blas.setStream(h, stream);
        // A stored row-major 3 x 2 (= column-major 2 x 3, lda 2), used transposed: op(A) is 3 x 2
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {1, -1, 0.5f, 2}; // column-major 2 x 2, ldb 2
        long da = upload(f16(a));
        long db = upload(f16(b));
        long dc = cu.memAlloc(4 * 6, "c");
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment ab = ar.allocate(8);
            ab.set(JAVA_FLOAT, 0, 1f);
            ab.set(JAVA_FLOAT, 4, 0f);
            blas.gemmF16(h, Cublas.OP_T, Cublas.OP_N, 3, 2, 2, ab, da, 2, db, 2, dc, 3, "test");
            MemorySegment c = ar.allocate(24);
            cu.streamSynchronize(stream);
            cu.memcpyDtoH(c, dc, 24);
            // C[i][j] = sum_l A[l + i*2] * B[l + j*2]
            assertThat(c.toArray(JAVA_FLOAT)).containsExactly(-1, -1, -1, 4.5f, 9.5f, 14.5f);
        }
        fake.failNext("cublasGemmEx", 15);
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment ab = ar.allocate(8);
            assertThatThrownBy(() -> blas.gemmF16(h, 1, 0, 3, 2, 2, ab, da, 2, db, 2, dc, 3, "the output matrix"))
                    .isInstanceOfSatisfying(CudaException.class, e -> {
                        assertThat(e.function()).isEqualTo("cublasGemmEx");
                        assertThat(e.errorName()).isEqualTo("CUBLAS_STATUS_NOT_SUPPORTED");
                        assertThat(e).hasMessageContaining("the output matrix");
                    });
        }
        blas.destroy(h);
        cu.streamDestroy(stream);
        cu.memFree(da);
        cu.memFree(db);
        cu.memFree(dc);
        assertThat(fake.errors()).isEmpty();
    }

    private static short[] f16(float[] f) {
        short[] s = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            s[i] = Float.floatToFloat16(f[i]);
        }
        return s;
    }

    private long upload(short[] s) {
        long d = cu.memAlloc(2L * s.length, "test");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(2L * s.length);
            MemorySegment.copy(s, 0, h, JAVA_SHORT, 0, s.length);
            cu.memcpyHtoD(d, h, 2L * s.length);
        }
        return d;
    }
}
