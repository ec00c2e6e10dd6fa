package dev.jinn.runtime.cpu;

import dev.jinn.JinnException;
import dev.jinn.KvCacheType;
import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.cpu.internal.Kernels;
import dev.jinn.runtime.cpu.internal.QuantizedActivations;
import dev.jinn.runtime.cpu.internal.WorkerPool;
import dev.jinn.spi.Backend;
import dev.jinn.spi.KvCache;
import dev.jinn.spi.Tensor;
import dev.jinn.spi.WeightTensor;
import java.lang.foreign.MemorySegment;

/**
 * The CPU backend: weights used in place from the mapped file, activations on the heap, a fixed worker pool.
 * Mat-muls prepare the activations once per call as llama.cpp does (int8 blocks for the quantized types) and
 * split the weight rows across the workers; attention is split by KV head. Thread-safe as {@link Backend} requires.
 *
 * <p>Consecutive mat-muls of one thread that read the same input (a layer's Q, K and V projections; its gate and up
 * projections) are queued, as the {@link Backend} contract allows, and run as one hand-out of work when any other op
 * comes: one wake-up of the workers instead of three, and the small K and V matrices balance the cores at the end
 * of the large Q one. A decode step of a 1.5B model hands out 141 jobs instead of 225. A mat-mul's arguments are
 * checked when it is issued; a failure while the queue runs (a closed backend) is thrown by the op that ran it.
 */
public final class CpuBackend implements Backend {
    /** Fewest rows per work item: enough to amortise the hand-off, few enough to balance the cores at the end. */
    private static final int MIN_ROWS_PER_TASK = 16;
    /** Fewest values per swiglu task. */
    private static final int SWIGLU_MIN_VALUES = 2048;

    private final Kernels kernels;
    private final WorkerPool pool;
    /** The pool as the kernels' loop: a prefill's activations are quantized and packed on every thread. */
    private final Kernels.Loop parallel;
    private final ThreadLocal<PendingMatmuls> pending = ThreadLocal.withInitial(PendingMatmuls::new);
    private final ThreadLocal<AttentionScratch> attentionScratch = ThreadLocal.withInitial(AttentionScratch::new);
    private volatile boolean closed;

    public CpuBackend(int threads, Kernels kernels) {
        this.kernels = kernels;
        this.pool = new WorkerPool(threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads);
        this.parallel = pool::parallelFor;
    }

    /** A backend with the best kernels this JVM allows and {@code threads} workers (0 = all cores). */
    public static CpuBackend create(int threads) {
        return new CpuBackend(threads, KernelSelector.best());
    }

    public int threads() {
        return pool.threads();
    }

    /** The kernels' name: "vector" (AVX-512), "portable-256", "portable-128" or "scalar". */
    public String kernelsName() {
        return kernels.name();
    }

    @Override
    public String name() {
        return "cpu";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CPU backend is closed");
        }
    }

    @Override
    public boolean supports(int ggmlType) {
        return GgmlType.byId(ggmlType).map(Kernels::supports).orElse(false);
    }

    @Override
    public WeightTensor weight(String name, int ggmlType, int rows, int cols, MemorySegment data) {
        checkOpen();
        GgmlType type = GgmlType.byId(ggmlType).orElseThrow(
                () -> new JinnException("tensor " + name + ": unknown ggml type id " + ggmlType));
        if (!Kernels.supports(type)) {
            throw new JinnException("tensor " + name + ": the CPU backend has no kernel for " + type);
        }
        long rowBytes = type.rowBytes(cols);
        if (rowBytes < 0) {
            throw new JinnException("tensor " + name + ": row of " + cols + " values is not a whole number of "
                    + type + " blocks of " + type.blockElements());
        }
        if (rows <= 0 || data.byteSize() != rowBytes * rows) {
            throw new JinnException("tensor " + name + ": " + rows + " x " + cols + " " + type + " needs "
                    + rowBytes * rows + " bytes, the data has " + data.byteSize());
        }
        return new CpuWeight(name, type, rows, cols, data);
    }

    @Override
    public Tensor tensor(int rows, int cols) {
        return new CpuTensor(rows, cols);
    }

    @Override
    public KvCache kvCache(int layers, int kvHeads, int headDim, int capacity, KvCacheType type) {
        checkOpen();
        return new CpuKvCache(layers, kvHeads, headDim, capacity, type);
    }

    @Override
    public void embed(WeightTensor table, int[] tokens, int from, int n, Tensor out) {
        flush();
        CpuWeight w = (CpuWeight) table;
        CpuTensor o = (CpuTensor) out;
        for (int i = 0; i < n; i++) {
            int t = tokens[from + i];
            if (t < 0 || t >= w.rows) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + w.rows + ")");
            }
            Kernels.dequantizeRow(w.type, w.data, t * w.rowBytes, o.data, i * o.cols, w.cols);
        }
    }

    @Override
    public void rmsNorm(Tensor x, int n, WeightTensor weight, float eps, Tensor out) {
        flush();
        CpuTensor xt = (CpuTensor) x;
        CpuTensor o = (CpuTensor) out;
        float[] w = ((CpuWeight) weight).floats();
        int cols = xt.cols;
        pool.parallelFor(n, i -> { // rows apart: a prefill's rows over the threads, a decode step's one row inline
            int base = i * cols;
            double sum = 0; // ggml sums the squares in double
            for (int j = 0; j < cols; j++) {
                float v = xt.data[base + j];
                sum += v * v;
            }
            float mean = (float) (sum / cols);
            float scale = (float) (1.0 / Math.sqrt(mean + eps));
            for (int j = 0; j < cols; j++) {
                o.data[i * o.cols + j] = (xt.data[base + j] * scale) * w[j];
            }
        });
    }

    @Override
    public void matmul(WeightTensor weight, Tensor x, int n, WeightTensor bias, Tensor out) {
        checkOpen();
        CpuWeight w = (CpuWeight) weight;
        CpuTensor xt = (CpuTensor) x;
        CpuTensor o = (CpuTensor) out;
        if (xt.cols != w.cols && n > 1 || xt.cols < w.cols || o.cols < w.rows || n > xt.rows || n > o.rows) {
            throw new IllegalArgumentException("matmul " + w.name + " [" + w.rows + " x " + w.cols + "] with input "
                    + xt.rows + " x " + xt.cols + " into " + o.rows + " x " + o.cols + " for " + n + " rows");
        }
        PendingMatmuls p = pending.get();
        if (!p.accepts(xt, n, o)) {
            p.run(this);
        }
        p.add(w, xt, n, bias == null ? null : ((CpuWeight) bias).floats(), o);
    }

    /** Runs this thread's queued mat-muls: every op but {@link #matmul} calls it first. */
    private void flush() {
        pending.get().run(this);
    }

    /**
     * One thread's queued mat-muls: they share the input rows and the row count and write distinct outputs. Run as one
     * {@link WorkerPool#parallelFor} in order of arrival, with row tasks of decreasing size. Static, and holding
     * nothing between runs: a thread's value of a ThreadLocal must not reach the backend, or every thread that ever
     * ran a mat-mul would keep a closed backend (and its buffers) alive.
     */
    private static final class PendingMatmuls {
        static final int MAX = 4;
        final CpuWeight[] weights = new CpuWeight[MAX];
        final float[][] biases = new float[MAX][];
        final CpuTensor[] outs = new CpuTensor[MAX];
        /** Prepared activations per queued mat-mul; a slot is shared by mat-muls of the same type and width. */
        final QuantizedActivations[] slots = new QuantizedActivations[MAX];
        final QuantizedActivations[] prepared = new QuantizedActivations[MAX];
        /** Task t runs rows taskRow[t] up to the next task's first row (or the end) of mat-mul taskMatmul[t]. */
        int[] taskMatmul = new int[64];
        int[] taskRow = new int[64];
        CpuTensor x;
        int n;
        int count;

        /**
         * Whether a mat-mul can join: same input and rows, and no queued one writes its output or the input (all read
         * the input when the queue runs, before any writes; one that writes it must be the last).
         */
        boolean accepts(CpuTensor input, int rows, CpuTensor out) {
            if (count == 0) {
                return true;
            }
            if (count == MAX || input != x || rows != n) {
                return false;
            }
            for (int i = 0; i < count; i++) {
                if (outs[i] == out || outs[i] == x) {
                    return false;
                }
            }
            return true;
        }

        void add(CpuWeight w, CpuTensor input, int rows, float[] bias, CpuTensor out) {
            x = input;
            n = rows;
            weights[count] = w;
            biases[count] = bias;
            outs[count] = out;
            count++;
        }

        void run(CpuBackend backend) {
            if (count == 0) {
                return;
            }
            try {
                backend.checkOpen();
                Kernels kernels = backend.kernels;
                int tasks = 0;
                int threads = backend.pool.threads();
                for (int i = 0; i < count; i++) {
                    CpuWeight w = weights[i];
                    prepared[i] = null;
                    for (int j = 0; j < i && prepared[i] == null; j++) {
                        if (weights[j].type == w.type && weights[j].cols == w.cols) {
                            prepared[i] = prepared[j];
                        }
                    }
                    if (prepared[i] == null) {
                        if (slots[i] == null) {
                            slots[i] = new QuantizedActivations();
                        }
                        prepared[i] = slots[i];
                        kernels.prepare(w.type, x.data, n, w.cols, prepared[i], backend.parallel);
                    }
                    // guided sizes: each task a 1/(2 * threads) share of the rows left, in whole multiples of
                    // MIN_ROWS_PER_TASK, so the last tasks are small and both cores end together
                    for (int r = 0; r < w.rows; ) {
                        tasks = addTask(tasks, i, r);
                        int share = (w.rows - r) / (2 * threads);
                        r += Math.max(MIN_ROWS_PER_TASK, share / MIN_ROWS_PER_TASK * MIN_ROWS_PER_TASK);
                    }
                }
                addTask(tasks, count, 0);
                backend.pool.parallelFor(tasks, task -> {
                    int i = taskMatmul[task];
                    CpuWeight w = weights[i];
                    CpuTensor o = outs[i];
                    int r0 = taskRow[task];
                    int r1 = taskMatmul[task + 1] == i ? taskRow[task + 1] : w.rows;
                    kernels.matRows(w.type, w.data, w.rowBytes, r0, r1, prepared[i], n, w.cols, o.data, o.cols,
                            biases[i]);
                });
            } finally {
                discard();
            }
        }

        private int addTask(int t, int matmul, int row) {
            if (t == taskRow.length) {
                taskRow = java.util.Arrays.copyOf(taskRow, 2 * t);
                taskMatmul = java.util.Arrays.copyOf(taskMatmul, 2 * t);
            }
            taskMatmul[t] = matmul;
            taskRow[t] = row;
            return t + 1;
        }

        /** Forgets the queue (after running it, or when the backend closes). */
        void discard() {
            for (int i = 0; i < count; i++) {
                weights[i] = null;
                biases[i] = null;
                outs[i] = null;
                prepared[i] = null;
            }
            x = null;
            count = 0;
        }
    }

    @Override
    public void rope(Tensor x, int n, int heads, int headDim, int startPos, float theta, boolean neox) {
        flush();
        CpuTensor t = (CpuTensor) x;
        // ggml_rope_cache_init: theta_i = pos * base^(-2i/d), advanced by repeated float multiplication
        float thetaScale = (float) Math.pow(theta, -2.0f / headDim);
        int half = headDim / 2;
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int i = 0; i < n; i++) {
            float th = startPos + i;
            for (int j = 0; j < half; j++) {
                cos[j] = (float) Math.cos(th);
                sin[j] = (float) Math.sin(th);
                th *= thetaScale;
            }
            for (int h = 0; h < heads; h++) {
                int base = i * t.cols + h * headDim;
                for (int j = 0; j < half; j++) {
                    int i0 = neox ? base + j : base + 2 * j;
                    int i1 = neox ? base + j + half : base + 2 * j + 1;
                    float x0 = t.data[i0];
                    float x1 = t.data[i1];
                    t.data[i0] = x0 * cos[j] - x1 * sin[j];
                    t.data[i1] = x0 * sin[j] + x1 * cos[j];
                }
            }
        }
    }

    @Override
    public void attention(KvCache cache, int layer, Tensor q, Tensor k, Tensor v, int n, int startPos,
                          int heads, int kvHeads, int headDim, Tensor out) {
        checkOpen();
        flush();
        CpuKvCache c = (CpuKvCache) cache;
        CpuTensor qt = (CpuTensor) q;
        CpuTensor kt = (CpuTensor) k;
        CpuTensor vt = (CpuTensor) v;
        CpuTensor o = (CpuTensor) out;
        if (startPos + n > c.capacity) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + n - 1)
                    + " do not fit in a KV cache of " + c.capacity);
        }
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < kvHeads; h++) {
                c.storeK(layer, h, startPos + i, kt.data, i * kt.cols + h * headDim);
                c.storeV(layer, h, startPos + i, vt.data, i * vt.cols + h * headDim);
            }
        }
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        boolean roundQ = c.type == KvCacheType.F16; // ggml converts Q to the K type for the dot product
        int len = startPos + n;
        pool.parallelFor(kvHeads, kvh -> {
            AttentionScratch s = attentionScratch.get();
            s.ensure(len * headDim, len, headDim);
            c.loadRange(kernels, true, layer, kvh, len, s.keys);
            c.loadRange(kernels, false, layer, kvh, len, s.values);
            for (int i = 0; i < n; i++) {
                int visible = startPos + i + 1;
                for (int g = 0; g < group; g++) {
                    int h = kvh * group + g;
                    int qOff = i * qt.cols + h * headDim;
                    float[] qv = s.query;
                    for (int d = 0; d < headDim; d++) {
                        float val = qt.data[qOff + d];
                        qv[d] = roundQ ? Float.float16ToFloat(Float.floatToFloat16(val)) : val;
                    }
                    int oOff = i * o.cols + h * headDim;
                    if (roundQ) {
                        attendF16(qv, s, visible, headDim, scale, o.data, oOff);
                    } else {
                        attendF32(qv, s, visible, headDim, scale, o.data, oOff);
                    }
                }
            }
        });
    }

    /** Softmax attention of one query over {@code visible} positions, accumulated in float32. */
    private void attendF32(float[] qv, AttentionScratch s, int visible, int headDim, float scale, float[] out,
                           int oOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < visible; p++) {
            float sc = kernels.dot(qv, 0, s.keys, p * headDim, headDim) * scale;
            s.scores[p] = sc;
            max = Math.max(max, sc);
        }
        float sum = 0;
        for (int p = 0; p < visible; p++) {
            float e = (float) Math.exp(s.scores[p] - max);
            s.scores[p] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        java.util.Arrays.fill(out, oOff, oOff + headDim, 0f);
        for (int p = 0; p < visible; p++) {
            kernels.axpy(s.scores[p] * inv, s.values, p * headDim, out, oOff, headDim);
        }
    }

    /**
     * As ggml's CPU flash attention does it for an F16 cache: an online softmax whose running weighted sum of values
     * is kept in f16 (rounded after every position), normalised at the end. Matching this rounding keeps the next
     * layer's int8 activations equal to llama.cpp's.
     */
    private void attendF16(float[] qv, AttentionScratch s, int visible, int headDim, float scale, float[] out,
                           int oOff) {
        float[] acc = s.acc;
        java.util.Arrays.fill(acc, 0, headDim, 0f);
        float m = Float.NEGATIVE_INFINITY;
        float sum = 0;
        for (int p = 0; p < visible; p++) {
            float sc = kernels.dotGgmlF16Order(qv, 0, s.keys, p * headDim, headDim) * scale;
            float ms = 1.0f;
            float vs = 1.0f;
            if (sc > m) {
                float old = m;
                m = sc;
                ms = (float) Math.exp(old - m);
                kernels.scaleF16(acc, ms, headDim);
            } else {
                vs = (float) Math.exp(sc - m);
            }
            sum = sum * ms + vs;
            kernels.madF16(acc, s.values, p * headDim, vs, headDim);
        }
        float inv = sum == 0 ? 0 : 1.0f / sum;
        for (int d = 0; d < headDim; d++) {
            out[oOff + d] = acc[d] * inv;
        }
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, int n, Tensor out) {
        flush();
        CpuTensor g = (CpuTensor) gate;
        CpuTensor u = (CpuTensor) up;
        CpuTensor o = (CpuTensor) out;
        int total = n * g.cols;
        // a prefill's 256 rows of 8960 values took 1.4% of its time on one thread while the others waited; a decode
        // step's 8960 values go in 2 * threads pieces (at two threads four, of about 2 us each)
        int chunk = Math.max(SWIGLU_MIN_VALUES, (total / (2 * pool.threads()) + 15) / 16 * 16);
        pool.parallelFor((total + chunk - 1) / chunk,
                t -> kernels.swiglu(g.data, u.data, o.data, t * chunk, Math.min(total, (t + 1) * chunk)));
    }

    @Override
    public void add(Tensor x, Tensor y, int n) {
        flush();
        CpuTensor a = (CpuTensor) x;
        CpuTensor b = (CpuTensor) y;
        for (int i = 0; i < n * a.cols; i++) {
            a.data[i] += b.data[i];
        }
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int n) {
        flush();
        CpuTensor s = (CpuTensor) src;
        CpuTensor d = (CpuTensor) dst;
        int cols = Math.min(s.cols, d.cols);
        for (int i = 0; i < n; i++) {
            System.arraycopy(s.data, (srcRow + i) * s.cols, d.data, (dstRow + i) * d.cols, cols);
        }
    }

    @Override
    public void read(Tensor t, int row, float[] dst, int dstOffset) {
        flush();
        CpuTensor c = (CpuTensor) t;
        System.arraycopy(c.data, row * c.cols, dst, dstOffset, c.cols);
    }

    @Override
    public void endStep() {
        flush();
    }

    @Override
    public void close() {
        pending.get().discard();
        if (!closed) {
            closed = true;
            pool.close();
        }
    }

    private static final class AttentionScratch {
        float[] keys = new float[0];
        float[] values = new float[0];
        float[] scores = new float[0];
        float[] query = new float[0];
        float[] acc = new float[0];

        void ensure(int kvFloats, int positions, int headDim) {
            if (keys.length < kvFloats) {
                keys = new float[kvFloats];
                values = new float[kvFloats];
            }
            if (scores.length < positions) {
                scores = new float[positions];
            }
            if (query.length < headDim) {
                query = new float[headDim];
                acc = new float[headDim];
            }
        }
    }
}
