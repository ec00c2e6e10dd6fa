package dev.jinn.runtime.gpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.jinn.JinnException;
import dev.jinn.KvCacheType;
import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.runtime.gpu.internal.Cublas;
import dev.jinn.runtime.gpu.internal.CudaDriver;
import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import dev.jinn.runtime.gpu.kernels.Launches;
import dev.jinn.spi.Backend;
import dev.jinn.spi.KvCache;
import dev.jinn.spi.Tensor;
import dev.jinn.spi.WeightTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The CUDA backend: weights, activations and KV caches in device memory, every op a kernel of
 * {@code runtime-gpu/KERNELS.md} queued on one stream with the geometry {@link Launches} gives, {@link #read} the
 * only synchronisation. Prefill of F16, BF16 and K-quant weights (8 rows or more) multiplies through cuBLAS
 * (weight tiles decoded to F16, FP32 compute) when cuBLAS is there; everything else runs the mat-vec kernels with
 * n rows. The numbers follow llama.cpp's CPU backend where later int8 rounding would amplify a difference: Q8_0 and
 * Q4_0 mat-vecs take activations rounded to ggml's Q8_0 blocks and sum integers, and an F16 KV cache is read with
 * ggml's f16 roundings ({@code jinn_attention_f16}). A decode step (n = 1) is recorded between
 * {@link #beginStep} and its first {@link #read}, captured once per sequence as a CUDA graph and replayed after,
 * unless {@code jinn.cuda.graphs=false}.
 *
 * <p><b>Threads.</b> One lock serialises the device: held from {@link #beginStep} to {@link #endStep}, and taken
 * per call by everything else. <b>Lifetime.</b> {@link #close()} frees every allocation, graph and handle and is
 * idempotent; tensors that become unreachable are freed at the next call outside a step.
 */
public final class CudaBackend implements Backend {
    /** Bytes of the F16 scratch for prefill tiles (weight rows plus the batch's activations). */
    public static final long DEFAULT_TILE_BYTES = 64L << 20;
    /** Fewest prefill rows that go through cuBLAS (see {@link #usesGemm}). */
    static final int CUBLAS_MIN_ROWS = 8;

    /** Made on first use, so that probing (which may touch this class's constants) starts no thread. */
    private static final class Cleaning {
        static final Cleaner CLEANER = Cleaner.create();
    }

    /**
     * @param graphs         capture and replay decode steps as CUDA graphs
     * @param tileBytes      F16 prefill scratch; cuBLAS is used only when the batch's activations fit in half of it
     * @param splitAttention read F16 KV caches with the split (flash-decoding) kernels, as F32 caches are, instead of
     *                       {@code jinn_attention_f16}, which reproduces ggml's CPU flash attention (the golden
     *                       bounds) but walks all positions of a head in one block
     */
    public record Config(boolean graphs, long tileBytes, boolean splitAttention) {
        public Config {
            if (tileBytes < 64 << 10) {
                throw new IllegalArgumentException("tile scratch must be at least 64 KiB, was " + tileBytes);
            }
        }

        public Config(boolean graphs, long tileBytes) {
            this(graphs, tileBytes, false);
        }

        /**
         * Graphs on unless the system property {@code jinn.cuda.graphs} is {@code false}; 64 MiB of tiles; F16
         * caches read as ggml does unless {@code jinn.cuda.attention} is {@code split} (default {@code ggml}).
         */
        public static Config fromSystemProperties() {
            String attention = System.getProperty("jinn.cuda.attention", "ggml").trim();
            if (!attention.equalsIgnoreCase("ggml") && !attention.equalsIgnoreCase("split")) {
                throw new IllegalArgumentException("jinn.cuda.attention must be ggml or split, was '" + attention
                        + "'");
            }
            return new Config(!"false".equalsIgnoreCase(System.getProperty("jinn.cuda.graphs", "true").trim()),
                    DEFAULT_TILE_BYTES, attention.equalsIgnoreCase("split"));
        }
    }

    private final CudaDevice dev;
    private final Config config;
    private final ReentrantLock lock = new ReentrantLock();
    private final ThreadLocal<Boolean> contextSet = ThreadLocal.withInitial(() -> false);
    private final ConcurrentLinkedQueue<Long> unreachable = new ConcurrentLinkedQueue<>();
    private final Set<CudaKvCache> caches = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Long> retired = new ArrayList<>();
    private final MemorySegment alphaBeta;
    private final Arena arena = Arena.ofShared();
    private volatile boolean closed;

    private StepQueue queue;
    private CudaDevice.HostSlot readHost;
    private long tile;
    private long partial;
    private long partialBytes;
    /** Q8_0 activations for the Q8_0/Q4_0 mat-vecs ({@link Launches#q8ActivationBytes}), grown on demand. */
    private long q8x;
    private long q8xBytes;
    /** A step is open (its thread holds the lock from beginStep to endStep). */
    private boolean inStep;

    private CudaBackend(CudaDevice dev, Config config) {
        this.dev = dev;
        this.config = config;
        this.alphaBeta = arena.allocate(8, 4);
        alphaBeta.set(JAVA_FLOAT, 0, 1f);
        alphaBeta.set(JAVA_FLOAT, 4, 0f);
    }

    /**
     * Opens device 0 with {@code image} (the kernel fatbin) loaded. On failure everything made so far is freed.
     *
     * @param blas cuBLAS, or null to run prefill with the mat-vec kernels
     * @throws CudaException when a driver call fails (e.g. out of memory)
     */
    static CudaBackend open(CudaDriver cu, Cublas blas, byte[] image, Config config) {
        CudaDevice d = CudaDevice.open(cu, blas, image);
        CudaBackend b = new CudaBackend(d, config);
        try {
            b.contextSet.set(true);
            b.queue = new StepQueue(d, config.graphs());
            b.readHost = d.hostSlot(4L * 32768, "reads");
            if (d.hasBlas()) {
                b.tile = d.alloc(config.tileBytes(), "the F16 prefill tile scratch");
            }
            return b;
        } catch (RuntimeException | Error e) {
            try {
                d.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            b.arena.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** The device's name as the driver reports it. */
    public String deviceName() {
        return dev.deviceName();
    }

    /** Whether prefill uses cuBLAS. */
    public boolean usesCublas() {
        return dev.hasBlas();
    }

    /** Device memory this backend holds now (weights, activations, caches, scratch), in bytes. */
    public long deviceBytes() {
        enter();
        try {
            return dev.liveBytes();
        } finally {
            exit();
        }
    }

    /** {@code {free, total}} device memory. */
    public long[] memoryInfo() {
        enter();
        try {
            return dev.cu.memoryInfo();
        } finally {
            exit();
        }
    }

    /** Decode graphs captured so far (first steps, and re-captures after the op sequence changed). */
    public int graphCaptures() {
        return queue.captures();
    }

    /** Decode steps that replayed a captured graph. */
    public int graphReplays() {
        return queue.replays();
    }

    // ---- locking ---------------------------------------------------------------------------------------------

    void enter() {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("CUDA backend is closed");
            }
            ensureContext();
            if (!inStep) {
                freeUnreachable();
            }
        } catch (RuntimeException | Error e) {
            lock.unlock();
            throw e;
        }
    }

    /** The driver's current context is per thread: make ours current on this one (once). */
    private void ensureContext() {
        if (!contextSet.get()) {
            dev.cu.setCurrent(dev.context());
            contextSet.set(true);
        }
    }

    void exit() {
        lock.unlock();
    }

    private void freeUnreachable() {
        for (Long p; (p = unreachable.poll()) != null; ) {
            dev.free(p);
        }
        for (long p : retired) {
            dev.free(p);
        }
        retired.clear();
    }

    // ---- handles ---------------------------------------------------------------------------------------------

    @Override
    public boolean supports(int ggmlType) {
        return Launches.supports(ggmlType);
    }

    @Override
    public WeightTensor weight(String name, int ggmlType, int rows, int cols, MemorySegment data) {
        GgmlType type = GgmlType.byId(ggmlType).orElseThrow(
                () -> new JinnException("tensor " + name + ": unknown ggml type id " + ggmlType));
        if (!Launches.supports(ggmlType)) {
            throw new JinnException("tensor " + name + ": the CUDA backend has no kernel for " + type);
        }
        long rowBytes = type.rowBytes(cols);
        if (rowBytes < 0) {
            throw new JinnException("tensor " + name + ": a row of " + cols + " values is not a whole number of "
                    + type + " blocks of " + type.blockElements());
        }
        if (rows <= 0 || data.byteSize() != rowBytes * rows) {
            throw new JinnException("tensor " + name + ": " + rows + " x " + cols + " " + type + " needs "
                    + rowBytes * rows + " bytes, the data has " + data.byteSize());
        }
        enter();
        try {
            if (rows == 1) { // norms and biases: float32 on the device whatever the file type
                float[] f = new float[cols];
                QuantCodecs.require(type).decode(data, 0, f, 0, cols);
                long p = dev.alloc(4L * cols, "tensor " + name);
                dev.upload(p, MemorySegment.ofArray(f), 4L * cols);
                return new CudaWeight(name, ggmlType, 0, rows, cols, p);
            }
            long p = dev.alloc(data.byteSize(), "tensor " + name);
            dev.upload(p, data, data.byteSize());
            return new CudaWeight(name, ggmlType, ggmlType, rows, cols, p);
        } finally {
            exit();
        }
    }

    @Override
    public Tensor tensor(int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("bad tensor shape " + rows + " x " + cols);
        }
        enter();
        try {
            long p = dev.alloc(4L * rows * cols, "a " + rows + " x " + cols + " activation tensor");
            CudaTensor t = new CudaTensor(this, rows, cols, p);
            ConcurrentLinkedQueue<Long> q = unreachable;
            Cleaning.CLEANER.register(t, () -> q.add(p));
            return t;
        } finally {
            exit();
        }
    }

    @Override
    public KvCache kvCache(int layers, int kvHeads, int headDim, int capacity, KvCacheType type) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("bad KV cache geometry: layers " + layers + ", kv heads " + kvHeads
                    + ", head dim " + headDim + ", capacity " + capacity);
        }
        if (type == KvCacheType.Q8_0) {
            throw new JinnException("the CUDA backend keeps the KV cache as F16 or F32; Q8_0 is not supported there"
                    + " (use KvCacheType.F16, the default)");
        }
        boolean f16 = type != KvCacheType.F32;
        long bytes = layers * CudaKvCache.layerBytes(kvHeads, capacity, headDim, f16);
        enter();
        try {
            long k = dev.alloc(bytes, "the keys of a KV cache of " + capacity + " positions");
            long v;
            try {
                v = dev.alloc(bytes, "the values of a KV cache of " + capacity + " positions");
            } catch (RuntimeException e) {
                dev.free(k);
                throw e;
            }
            CudaKvCache c = new CudaKvCache(this, layers, kvHeads, headDim, capacity, f16, k, v);
            caches.add(c);
            return c;
        } finally {
            exit();
        }
    }

    // ---- steps -----------------------------------------------------------------------------------------------

    @Override
    public void beginStep(int n, int startPos) {
        if (n < 1 || startPos < 0) {
            throw new IllegalArgumentException("bad step: " + n + " tokens at position " + startPos);
        }
        if (lock.isHeldByCurrentThread() && inStep) { // this thread's previous step failed before its endStep
            queue.abandon();
            inStep = false;
            exit();
        }
        enter();
        try {
            queue.begin(n, startPos);
            inStep = true;
        } catch (RuntimeException | Error e) {
            exit();
            throw e;
        }
    }

    /** Runs what the step recorded and releases the device; nothing when this thread has no step open. */
    @Override
    public void endStep() {
        if (!lock.isHeldByCurrentThread() || !inStep) {
            return; // e.g. the engine's finally after a beginStep that threw
        }
        try {
            queue.flush();
        } finally {
            inStep = false;
            queue.abandon();
            exit();
        }
    }

    // ---- ops -------------------------------------------------------------------------------------------------

    private CudaTensor t(Tensor x) {
        if (!(x instanceof CudaTensor c) || c.owner != this) {
            throw new IllegalArgumentException("not a tensor of this CUDA backend: " + x);
        }
        return c;
    }

    private static CudaWeight w(WeightTensor x) {
        if (!(x instanceof CudaWeight c)) {
            throw new IllegalArgumentException("not a CUDA weight: " + x);
        }
        return c;
    }

    private static void rowsFit(String op, int n, CudaTensor... ts) {
        for (CudaTensor x : ts) {
            if (n < 1 || n > x.rows) {
                throw new IllegalArgumentException(op + ": " + n + " rows do not fit " + x);
            }
        }
    }

    @Override
    public void embed(WeightTensor table, int[] tokens, int from, int n, Tensor out) {
        CudaWeight w = w(table);
        CudaTensor o = t(out);
        rowsFit("embed", n, o);
        if (o.cols != w.cols) {
            throw new IllegalArgumentException("embed " + w.name + " rows of " + w.cols + " into " + o);
        }
        for (int i = 0; i < n; i++) {
            int tok = tokens[from + i];
            if (tok < 0 || tok >= w.rows) {
                throw new IllegalArgumentException("token id " + tok + " is outside the vocabulary [0, " + w.rows + ")");
            }
        }
        enter();
        try {
            queue.useTokens(tokens, from, n);
            launch(Kernel.EMBED, Launches.embed(n, w.cols), w.ptr, w.deviceType, CudaDevice.TOKENS, o.ptr, n, w.cols);
        } finally {
            exit();
        }
    }

    @Override
    public void rmsNorm(Tensor x, int n, WeightTensor weight, float eps, Tensor out) {
        CudaTensor xt = t(x);
        CudaTensor o = t(out);
        CudaWeight w = w(weight);
        rowsFit("rmsNorm", n, xt, o);
        if (w.deviceType != 0 || w.cols != xt.cols || o.cols != xt.cols) {
            throw new IllegalArgumentException("rmsNorm of " + xt + " with " + w.name + " (" + w.rows + " x "
                    + w.cols + ") into " + o);
        }
        enter();
        try {
            launch(Kernel.RMSNORM, Launches.rmsNorm(n, xt.cols), xt.ptr, w.ptr, o.ptr, n, xt.cols, f32(eps));
        } finally {
            exit();
        }
    }

    @Override
    public void matmul(WeightTensor weight, Tensor x, int n, WeightTensor bias, Tensor out) {
        CudaWeight w = w(weight);
        CudaTensor xt = t(x);
        CudaTensor o = t(out);
        CudaWeight b = bias == null ? null : w(bias);
        rowsFit("matmul " + w.name, n, xt, o);
        boolean exact = xt.cols == w.cols && o.cols == w.rows;
        if (n == 1 ? xt.cols < w.cols || o.cols < w.rows : !exact) {
            throw new IllegalArgumentException("matmul " + w.name + " [" + w.rows + " x " + w.cols + "] with input "
                    + xt + " into " + o + " for " + n + " rows");
        }
        if (b != null && (b.deviceType != 0 || b.cols != w.rows)) {
            throw new IllegalArgumentException("bias " + b.name + " of " + b.cols + " values for " + w.rows + " rows");
        }
        enter();
        try {
            long xBytes = 2L * n * w.cols;
            if (usesGemm(w.deviceType, n) && dev.hasBlas() && xBytes <= config.tileBytes() / 2) {
                queue.flush(); // cuBLAS goes straight to the stream: recorded ops must be there first
                gemm(w, xt, n, b, o, xBytes);
            } else {
                long xp = xt.ptr;
                if (Launches.quantizesActivations(w.deviceType)) {
                    xp = q8Scratch(Launches.q8ActivationBytes(n, w.cols));
                    launch(Kernel.QUANTIZE_Q8_0, Launches.quantizeQ8_0(n * w.cols), xt.ptr, xp, n * w.cols);
                }
                launch(Launches.matvecKernel(w.deviceType), Launches.matvec(w.deviceType, w.rows, w.cols, n), w.ptr,
                        xp, b == null ? 0 : b.ptr, o.ptr, w.rows, w.cols, n);
            }
        } finally {
            exit();
        }
    }

    /** The Q8_0 activation scratch, at least {@code bytes} long (a smaller one is retired: queued ops may use it). */
    private long q8Scratch(long bytes) {
        if (bytes > q8xBytes) {
            if (q8x != 0) {
                retired.add(q8x);
            }
            q8x = 0;
            q8x = dev.alloc(bytes, "Q8_0 activations");
            q8xBytes = bytes;
        }
        return q8x;
    }

    /**
     * Whether a prefill of {@code n} rows goes through cuBLAS. Not for a few rows (the mat-vec kernel reads the weight
     * n times, the F16 path reads it once and writes and reads a 2-byte copy: about even at 8 rows for Q4_K); not for
     * F32 weights, which F16 would round (ggml multiplies them with float32 activations); and not for Q8_0 and Q4_0,
     * whose products ggml takes exactly (int8 activation blocks, integer sums): f16 tiles of q·d and of the rounded
     * activations lose bits that flip later layers' int8 rounding (measured on the golden Q8_0 file: 0.035 RMS from
     * llama.cpp through f16 tiles against 0.022 on the mat-vecs), so their prefill runs the integer mat-vecs with n
     * rows. F16 weights go through it unchanged, with activations rounded to f16 as ggml's F16 dot product does.
     */
    static boolean usesGemm(int deviceType, int n) {
        return n >= CUBLAS_MIN_ROWS && deviceType != 0 && !Launches.quantizesActivations(deviceType);
    }

    /** out = x · wᵀ (+ bias) through cuBLAS: x to F16 once, then weight tiles of as many rows as the scratch holds. */
    private void gemm(CudaWeight w, CudaTensor x, int n, CudaWeight b, CudaTensor o, long xBytes) {
        long xh = tile;
        long wt = tile + ((xBytes + 255) & ~255L);
        int tileRows = (int) Math.min(w.rows, (config.tileBytes() - (wt - tile)) / (2L * w.cols));
        int count = n * w.cols;
        launch(Kernel.F32_TO_F16, Launches.f32ToF16(count), x.ptr, xh, count);
        Kernel dq = Launches.dequantF16Kernel(w.deviceType);
        for (int r0 = 0; r0 < w.rows; r0 += tileRows) {
            int nr = Math.min(tileRows, w.rows - r0);
            launch(dq, Launches.dequantF16(w.deviceType, nr, w.cols), w.ptr, wt, r0, nr, w.cols);
            // column-major: C[nr x n] (ldc = rows) = tileᵀ[nr x cols] · xhᵀ... i.e. out[i][r0 + r] = Σ w[r][c]·x[i][c]
            dev.blas.gemmF16(dev.blasHandle(), Cublas.OP_T, Cublas.OP_N, nr, n, w.cols, alphaBeta, wt, w.cols,
                    xh, w.cols, o.ptr + 4L * r0, w.rows, w.name);
        }
        if (b != null) {
            launch(Kernel.ADD_BIAS, Launches.addBias(n, w.rows), o.ptr, b.ptr, n, w.rows);
        }
    }

    @Override
    public void rope(Tensor x, int n, int heads, int headDim, int startPos, float theta, boolean neox) {
        CudaTensor xt = t(x);
        rowsFit("rope", n, xt);
        if (heads * headDim != xt.cols || headDim % 2 != 0) {
            throw new IllegalArgumentException("rope of " + heads + " heads of " + headDim + " over " + xt);
        }
        enter();
        try {
            queue.usePos(startPos);
            launch(Kernel.ROPE, Launches.rope(n, heads, headDim), xt.ptr, CudaDevice.POS, n, heads, headDim,
                    f32(Launches.ropeThetaScale(theta, headDim)), neox ? 1 : 0);
        } finally {
            exit();
        }
    }

    @Override
    public void attention(KvCache cache, int layer, Tensor q, Tensor k, Tensor v, int n, int startPos, int heads,
                          int kvHeads, int headDim, Tensor out) {
        if (!(cache instanceof CudaKvCache c) || c.owner != this) {
            throw new IllegalArgumentException("KV cache was not made by this CUDA backend");
        }
        CudaTensor qt = t(q);
        CudaTensor kt = t(k);
        CudaTensor vt = t(v);
        CudaTensor o = t(out);
        rowsFit("attention", n, qt, kt, vt, o);
        if (layer < 0 || layer >= c.layers || kvHeads != c.kvHeads || headDim != c.headDim || heads % kvHeads != 0
                || headDim % 4 != 0 || headDim > Launches.ATTENTION_MAX_HEAD_DIM
                || qt.cols != heads * headDim || o.cols != heads * headDim || kt.cols != kvHeads * headDim
                || vt.cols != kvHeads * headDim) {
            throw new IllegalArgumentException("attention of layer " + layer + ", " + heads + "/" + kvHeads
                    + " heads of " + headDim + " with q " + qt + ", k " + kt + ", v " + vt + ", out " + o
                    + " on a cache of " + c.layers + " layers x " + c.kvHeads + " heads x " + c.headDim);
        }
        if (startPos < 0 || startPos + n > c.capacity) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + n - 1)
                    + " do not fit in a KV cache of " + c.capacity);
        }
        int chunk = Launches.attentionChunk(c.capacity, headDim);
        int chunks = Launches.attentionChunks(c.capacity, headDim);
        enter();
        try {
            if (c.closed) {
                throw new IllegalStateException("KV cache is closed");
            }
            queue.usePos(startPos);
            queue.noteCache(c);
            long kc = c.k + c.offset(layer, 0, 0);
            long vc = c.v + c.offset(layer, 0, 0);
            float scale = (float) (1.0 / Math.sqrt(headDim));
            if (c.f16 && !config.splitAttention()) {
                // as ggml's CPU flash attention reads an F16 cache (f16 q, f16 running sum): see jinn_attention_f16
                launch(Kernel.KV_STORE, Launches.kvStore(n, kvHeads, headDim), kt.ptr, vt.ptr, kc, vc, CudaDevice.POS,
                        n, kvHeads, headDim, c.capacity, 1);
                launch(Kernel.ATTENTION_F16, Launches.attentionF16(n, heads, headDim), qt.ptr, kc, vc, o.ptr,
                        CudaDevice.POS, n, heads, kvHeads, headDim, c.capacity, f32(scale));
                return;
            }
            long partialNeeded = 4L * n * heads * chunks * (headDim + 2);
            if (partialNeeded > partialBytes) {
                if (partial != 0) {
                    retired.add(partial); // queued or recorded ops may still use it
                }
                partial = 0;
                partial = dev.alloc(partialNeeded, "attention partial results");
                partialBytes = partialNeeded;
            }
            int f16 = c.f16 ? 1 : 0;
            launch(Kernel.KV_STORE, Launches.kvStore(n, kvHeads, headDim), kt.ptr, vt.ptr, kc, vc, CudaDevice.POS, n,
                    kvHeads, headDim, c.capacity, f16);
            launch(Kernel.ATTENTION, Launches.attention(n, heads, headDim, chunks, chunk), qt.ptr, kc, vc, partial,
                    CudaDevice.POS, n, heads, kvHeads, headDim, c.capacity, chunk, f16, f32(scale));
            launch(Kernel.ATTENTION_REDUCE, Launches.attentionReduce(n, heads, headDim, chunks), partial, o.ptr, n,
                    heads, headDim, chunks);
        } finally {
            exit();
        }
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, int n, Tensor out) {
        CudaTensor g = t(gate);
        CudaTensor u = t(up);
        CudaTensor o = t(out);
        rowsFit("swiglu", n, g, u, o);
        if (u.cols != g.cols || o.cols != g.cols) {
            throw new IllegalArgumentException("swiglu of " + g + " and " + u + " into " + o);
        }
        enter();
        try {
            int count = n * g.cols;
            launch(Kernel.SWIGLU, Launches.elementwise(count), g.ptr, u.ptr, o.ptr, count);
        } finally {
            exit();
        }
    }

    @Override
    public void add(Tensor x, Tensor y, int n) {
        CudaTensor a = t(x);
        CudaTensor b = t(y);
        rowsFit("add", n, a, b);
        if (a.cols != b.cols) {
            throw new IllegalArgumentException("add of " + b + " to " + a);
        }
        enter();
        try {
            int count = n * a.cols;
            launch(Kernel.ADD, Launches.elementwise(count), a.ptr, b.ptr, count);
        } finally {
            exit();
        }
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int n) {
        CudaTensor s = t(src);
        CudaTensor d = t(dst);
        if (n < 0 || srcRow < 0 || dstRow < 0 || srcRow + n > s.rows || dstRow + n > d.rows) {
            throw new IllegalArgumentException("copy of rows " + srcRow + "+" + n + " of " + s + " to row " + dstRow
                    + " of " + d);
        }
        enter();
        try {
            if (s.cols == d.cols) {
                queue.submit(DecodeGraph.Op.copy(d.row(dstRow), s.row(srcRow), 4L * n * s.cols));
            } else {
                int cols = Math.min(s.cols, d.cols);
                for (int i = 0; i < n; i++) {
                    queue.submit(DecodeGraph.Op.copy(d.row(dstRow + i), s.row(srcRow + i), 4L * cols));
                }
            }
        } finally {
            exit();
        }
    }

    @Override
    public void read(Tensor x, int row, float[] dst, int dstOffset) {
        CudaTensor s = t(x);
        if (row < 0 || row >= s.rows || dstOffset < 0 || dstOffset + s.cols > dst.length) {
            throw new IllegalArgumentException("read of row " + row + " of " + s + " into " + dst.length
                    + " floats at " + dstOffset);
        }
        enter();
        try {
            queue.flush();
            long bytes = 4L * s.cols;
            if (bytes > readHost.seg.byteSize()) {
                dev.sync();
                dev.freeHost(readHost);
                readHost = null;
                readHost = dev.hostSlot(bytes, "reads");
            }
            dev.beforeWrite(readHost);
            dev.cu.memcpyDtoHAsync(readHost.seg, s.row(row), bytes, dev.stream());
            dev.enqueued(readHost);
            dev.sync();
            MemorySegment.copy(readHost.seg, JAVA_FLOAT, 0, dst, dstOffset, s.cols);
        } finally {
            exit();
        }
    }

    private void launch(Kernel k, LaunchConfig c, long... args) {
        queue.launch(k, c, args);
    }

    private static long f32(float f) {
        return Float.floatToRawIntBits(f);
    }

    // ---- for CudaKvCache ------------------------------------------------------------------------------------

    /** The device, after running whatever a recorded step holds (callers then use the stream directly). */
    CudaDevice device() {
        queue.flush();
        return dev;
    }

    void closeCache(CudaKvCache c) {
        lock.lock();
        try {
            if (c.closed || closed) {
                c.closed = true;
                return;
            }
            c.closed = true;
            caches.remove(c);
            ensureContext();
            queue.dropCache(c);
            if (inStep) { // ops of this step may still use it: free after the step
                retired.add(c.k);
                retired.add(c.v);
            } else {
                dev.free(c.k);
                dev.free(c.v);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- lifetime --------------------------------------------------------------------------------------------

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            inStep = false;
            RuntimeException failure = null;
            try {
                ensureContext();
                for (CudaKvCache c : caches) {
                    c.closed = true;
                    queue.dropCache(c);
                }
                queue.close();
            } catch (RuntimeException e) {
                failure = e;
            }
            caches.clear(); // the device's close frees every remaining allocation
            try {
                dev.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            arena.close();
            if (failure != null) {
                throw failure;
            }
        } finally {
            while (lock.isHeldByCurrentThread()) {
                lock.unlock();
            }
        }
    }
}
