package dev.jinn.runtime.cpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.cpu.CpuBackend;
import dev.jinn.spi.Tensor;
import dev.jinn.spi.WeightTensor;
import java.lang.foreign.Arena;
import java.lang.ref.WeakReference;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU backend queues mat-muls that share an input and runs them as one job when another op comes: the results
 * must be those of the kernels run one mat-mul at a time, in program order, whatever the split of rows into tasks.
 */
class QueuedMatmulTest {
    static final Kernels VECTOR = new VectorKernels();
    static final int COLS = 512;

    /** A weight with its encoded rows kept for computing the expected result. */
    record W(WeightTensor handle, GgmlType type, MemorySegment data, int rows, int cols) {}

    static W weight(CpuBackend b, GgmlType type, int rows, int cols, long seed) {
        MemorySegment data = KernelsTest.randomRows(type, rows, cols, seed);
        return new W(b.weight("w" + seed, type.id(), rows, cols, data), type, data, rows, cols);
    }

    /** An F32 vector weight (a bias) of {@code n} values. */
    static WeightTensor bias(CpuBackend b, int n, long seed) {
        float[] v = KernelsTest.randomFloats(n, seed);
        MemorySegment seg = Arena.ofAuto().allocate(4L * n);
        for (int i = 0; i < n; i++) {
            seg.setAtIndex(Kernels.LE_FLOAT, i, v[i]);
        }
        return b.weight("bias" + seed, GgmlType.F32.id(), 1, n, seg);
    }

    /** Fills the first {@code n} rows of {@code x} with seeded random values (through embed, the only way in). */
    static float[] fill(CpuBackend b, Tensor x, int n, long seed) {
        float[] v = KernelsTest.randomFloats(n * x.cols(), seed);
        MemorySegment seg = Arena.ofAuto().allocate(4L * v.length);
        for (int i = 0; i < v.length; i++) {
            seg.setAtIndex(Kernels.LE_FLOAT, i, v[i]);
        }
        WeightTensor table = b.weight("table" + seed, GgmlType.F32.id(), n, x.cols(), seg);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = i;
        }
        b.embed(table, tokens, 0, n, x);
        return v;
    }

    /** The kernels run directly over all rows of {@code w}: the reference for any queue and any task split. */
    static float[] expected(W w, float[] x, int n, float[] bias) {
        QuantizedActivations a = new QuantizedActivations();
        VECTOR.prepare(w.type, x, n, w.cols, a);
        float[] out = new float[n * w.rows];
        VECTOR.matRows(w.type, w.data, w.type.rowBytes(w.cols), 0, w.rows, a, n, w.cols, out, w.rows, bias);
        return out;
    }

    static float[] read(CpuBackend b, Tensor t, int n) {
        float[] out = new float[n * t.cols()];
        for (int i = 0; i < n; i++) {
            b.read(t, i, out, i * t.cols());
        }
        return out;
    }

    static float[] floats(WeightTensor bias, int n, long seed) {
        return bias == null ? null : KernelsTest.randomFloats(n, seed);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5})
    void queuedProjectionsEqualTheKernelsRunOneByOne(int n) {
        try (CpuBackend b = new CpuBackend(2, VECTOR)) {
            // Q, K and V as in a Q4_K_M file: two types, row counts that are not multiples of a task, a bias on Q
            W q = weight(b, GgmlType.Q4_K, 203, COLS, 1);
            W k = weight(b, GgmlType.Q6_K, 37, COLS, 2);
            W v = weight(b, GgmlType.Q4_K, 64, COLS, 3);
            WeightTensor bq = bias(b, q.rows, 4);
            Tensor x = b.tensor(n, COLS);
            Tensor oq = b.tensor(n, q.rows);
            Tensor ok = b.tensor(n, k.rows);
            Tensor ov = b.tensor(n, v.rows);
            float[] xv = fill(b, x, n, 5);
            b.matmul(q.handle, x, n, bq, oq);
            b.matmul(k.handle, x, n, null, ok);
            b.matmul(v.handle, x, n, null, ov);
            assertThat(read(b, oq, n)).containsExactly(expected(q, xv, n, floats(bq, q.rows, 4)));
            assertThat(read(b, ok, n)).containsExactly(expected(k, xv, n, null));
            assertThat(read(b, ov, n)).containsExactly(expected(v, xv, n, null));
        }
    }

    @Test
    void moreMatmulsThanTheQueueHoldsAllRun() {
        try (CpuBackend b = new CpuBackend(2, VECTOR)) {
            Tensor x = b.tensor(1, COLS);
            float[] xv = fill(b, x, 1, 9);
            List<W> ws = new ArrayList<>();
            List<Tensor> outs = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                W w = weight(b, i % 2 == 0 ? GgmlType.Q8_0 : GgmlType.Q6_K, 16 + 48 * i, COLS, 20 + i);
                Tensor o = b.tensor(1, w.rows);
                b.matmul(w.handle, x, 1, null, o);
                ws.add(w);
                outs.add(o);
            }
            for (int i = 0; i < ws.size(); i++) {
                assertThat(read(b, outs.get(i), 1)).containsExactly(expected(ws.get(i), xv, 1, null));
            }
        }
    }

    @Test
    void aMatmulIntoItsOwnInputSeesTheInputOfItsTurn() {
        try (CpuBackend b = new CpuBackend(2, VECTOR)) {
            W w1 = weight(b, GgmlType.Q4_K, 40, COLS, 31);
            W w2 = weight(b, GgmlType.Q8_0, COLS, COLS, 32); // square: x = w2 · x in place
            Tensor x = b.tensor(1, COLS);
            Tensor y = b.tensor(1, w1.rows);
            float[] xv = fill(b, x, 1, 33);
            W w3 = weight(b, GgmlType.Q6_K, 20, COLS, 34);
            Tensor z = b.tensor(1, w3.rows);
            b.matmul(w1.handle, x, 1, null, y);
            b.matmul(w2.handle, x, 1, null, x);
            b.matmul(w3.handle, x, 1, null, z); // reads the x that w2 wrote
            float[] x2 = expected(w2, xv, 1, null);
            assertThat(read(b, y, 1)).containsExactly(expected(w1, xv, 1, null));
            assertThat(read(b, x, 1)).containsExactly(x2);
            assertThat(read(b, z, 1)).containsExactly(expected(w3, x2, 1, null));
        }
    }

    @Test
    void aMatmulOfAQueuedOutputRunsAfterIt() {
        try (CpuBackend b = new CpuBackend(2, VECTOR)) {
            W w1 = weight(b, GgmlType.Q6_K, 256, COLS, 41);
            W w2 = weight(b, GgmlType.Q4_K, 24, 256, 42);
            Tensor x = b.tensor(1, COLS);
            Tensor y = b.tensor(1, w1.rows);
            Tensor z = b.tensor(1, w2.rows);
            float[] xv = fill(b, x, 1, 43);
            b.matmul(w1.handle, x, 1, null, y);
            b.matmul(w2.handle, y, 1, null, z);
            assertThat(read(b, z, 1)).containsExactly(expected(w2, expected(w1, xv, 1, null), 1, null));
        }
    }

    @Test
    void twoMatmulsIntoOneOutputLeaveTheSecondResult() {
        try (CpuBackend b = new CpuBackend(2, VECTOR)) {
            W w1 = weight(b, GgmlType.Q4_K, 48, COLS, 51);
            W w2 = weight(b, GgmlType.Q4_K, 48, COLS, 52);
            Tensor x = b.tensor(1, COLS);
            Tensor y = b.tensor(1, 48);
            float[] xv = fill(b, x, 1, 53);
            b.matmul(w1.handle, x, 1, null, y);
            b.matmul(w2.handle, x, 1, null, y);
            assertThat(read(b, y, 1)).containsExactly(expected(w2, xv, 1, null));
        }
    }

    @Test
    void otherOpsSeeTheQueuedResults() {
        try (CpuBackend b = new CpuBackend(2, VECTOR)) {
            W gate = weight(b, GgmlType.Q4_K, 96, COLS, 61);
            W up = weight(b, GgmlType.Q4_K, 96, COLS, 62);
            Tensor x = b.tensor(1, COLS);
            Tensor g = b.tensor(1, 96);
            Tensor u = b.tensor(1, 96);
            float[] xv = fill(b, x, 1, 63);
            b.matmul(gate.handle, x, 1, null, g);
            b.matmul(up.handle, x, 1, null, u);
            b.add(g, u, 1); // must add the two products, not the zeros the tensors were made with
            float[] eg = expected(gate, xv, 1, null);
            float[] eu = expected(up, xv, 1, null);
            float[] sum = new float[96];
            for (int i = 0; i < 96; i++) {
                sum[i] = eg[i] + eu[i];
            }
            assertThat(read(b, g, 1)).containsExactly(sum);
        }
    }

    @Test
    void threadsQueueTheirOwnMatmuls() throws Exception {
        try (CpuBackend b = new CpuBackend(2, VECTOR)) {
            W q = weight(b, GgmlType.Q4_K, 150, COLS, 71);
            W k = weight(b, GgmlType.Q6_K, 40, COLS, 72);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    long seed = 80 + t;
                    done.add(pool.submit(() -> {
                        Tensor x = b.tensor(1, COLS);
                        Tensor oq = b.tensor(1, q.rows);
                        Tensor ok = b.tensor(1, k.rows);
                        for (int i = 0; i < 20; i++) {
                            float[] xv = fill(b, x, 1, seed * 100 + i);
                            b.matmul(q.handle, x, 1, null, oq);
                            b.matmul(k.handle, x, 1, null, ok);
                            assertThat(read(b, ok, 1)).containsExactly(expected(k, xv, 1, null));
                            assertThat(read(b, oq, 1)).containsExactly(expected(q, xv, 1, null));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aQueueLeftWhenAnotherThreadClosesTheBackendFailsAtTheNextOp() throws Exception {
        CpuBackend b = new CpuBackend(2, VECTOR);
        W w = weight(b, GgmlType.Q4_K, 32, COLS, 95);
        Tensor x = b.tensor(1, COLS);
        Tensor y = b.tensor(1, 32);
        fill(b, x, 1, 96);
        b.matmul(w.handle, x, 1, null, y);
        Thread closer = new Thread(b::close);
        closer.start();
        closer.join();
        float[] dst = new float[32];
        assertThatThrownBy(() -> b.read(y, 0, dst, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        b.read(y, 0, dst, 0); // the queue is gone after the failure: no second error
    }

    /** Runs queued mat-muls on this thread with a backend that is then closed and forgotten. */
    static WeakReference<CpuBackend> usedAndClosed() {
        CpuBackend b = new CpuBackend(2, VECTOR);
        W w = weight(b, GgmlType.Q4_K, 32, COLS, 97);
        Tensor x = b.tensor(1, COLS);
        Tensor y = b.tensor(1, 32);
        fill(b, x, 1, 98);
        b.matmul(w.handle, x, 1, null, y);
        read(b, y, 1);
        b.close();
        return new WeakReference<>(b);
    }

    @Test
    void aClosedBackendIsNotKeptByTheThreadsThatUsedIt() throws InterruptedException {
        WeakReference<CpuBackend> ref = usedAndClosed();
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(ref.get()).as("the backend, after close, once nothing but this thread's thread-locals can reach it")
                .isNull();
    }

    @Test
    void closingWithAQueuedMatmulDropsIt() {
        CpuBackend b = new CpuBackend(2, VECTOR);
        W w = weight(b, GgmlType.Q4_K, 32, COLS, 91);
        Tensor x = b.tensor(1, COLS);
        Tensor y = b.tensor(1, 32);
        fill(b, x, 1, 92);
        b.matmul(w.handle, x, 1, null, y);
        b.close();
        assertThatThrownBy(() -> b.matmul(w.handle, x, 1, null, y))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
