package dev.jinn.runtime.gpu.fake;

import dev.jinn.quant.Float16;
import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import dev.jinn.runtime.gpu.kernels.Launches;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;

/**
 * Java twins of every CUDA kernel of {@link Kernel}: the semantics of {@code runtime-gpu/KERNELS.md} computed on host
 * memory, one launch at a time, for the fake CUDA driver. Blocks are decoded with the quant codecs, so the twins
 * agree with ggml's reference dequantizers; sums are taken in double, which makes each twin the exact answer the
 * float32 CUDA kernel approximates within reassociation.
 *
 * <p>Each twin first checks that its {@link LaunchConfig} covers the problem as the CUDA kernel assumes it does
 * (e.g. a mat-vec grid of enough warps for every row, gridDim.y equal to the activation rows) and throws
 * {@link IllegalStateException} naming the kernel, the geometry and what it misses: a geometry bug in
 * {@link Launches} fails in CI rather than leaving rows unwritten on a GPU. Arguments that are wrong in themselves
 * (a null pointer, an unknown ggml type, a token outside the table) throw {@link IllegalArgumentException}.
 *
 * <p>Stateless; the map and its twins are thread-safe.
 */
public final class ReferenceKernels {
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ReferenceKernels() {
    }

    /** A twin for every {@link Kernel}. */
    public static Map<Kernel, FakeKernel> all() {
        Map<Kernel, FakeKernel> m = new EnumMap<>(Kernel.class);
        m.put(Kernel.EMBED, ReferenceKernels::embed);
        m.put(Kernel.RMSNORM, ReferenceKernels::rmsNorm);
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            Kernel mv = Launches.matvecKernel(t.id());
            m.put(mv, (c, a) -> matvec(mv, t, c, a));
            Kernel dq = Launches.dequantF16Kernel(t.id());
            m.put(dq, (c, a) -> dequantF16(dq, t, c, a));
        }
        m.put(Kernel.F32_TO_F16, ReferenceKernels::f32ToF16);
        m.put(Kernel.QUANTIZE_Q8_0, ReferenceKernels::quantizeQ8_0);
        m.put(Kernel.ADD_BIAS, ReferenceKernels::addBias);
        m.put(Kernel.ROPE, ReferenceKernels::rope);
        m.put(Kernel.KV_STORE, ReferenceKernels::kvStore);
        m.put(Kernel.ATTENTION, ReferenceKernels::attention);
        m.put(Kernel.ATTENTION_F16, ReferenceKernels::attentionF16);
        m.put(Kernel.ATTENTION_REDUCE, ReferenceKernels::attentionReduce);
        m.put(Kernel.SWIGLU, ReferenceKernels::swiglu);
        m.put(Kernel.ADD, ReferenceKernels::add);
        if (m.size() != Kernel.values().length) {
            throw new AssertionError("a kernel has no twin: " + m.keySet());
        }
        return m;
    }

    // ---- the kernels ------------------------------------------------------------------------------------------

    // PTR table, I32 type, PTR tokens, PTR out, I32 n, I32 cols
    static void embed(LaunchConfig c, KernelArgs a) {
        int n = a.i32(4);
        int cols = a.i32(5);
        GgmlType type = type(Kernel.EMBED, a.i32(1));
        require(Kernel.EMBED, c, c.gridX() >= n, "gridDim.x covers the " + n + " token rows");
        require(Kernel.EMBED, c, c.blockX() % 32 == 0, "blockDim.x is whole warps");
        MemorySegment table = aligned(Kernel.EMBED, a, 0, "table", weightAlignment(type));
        MemorySegment tokens = aligned(Kernel.EMBED, a, 2, "tokens", 4);
        MemorySegment out = aligned(Kernel.EMBED, a, 3, "out", 4);
        long rowBytes = rowBytes(Kernel.EMBED, type, cols);
        float[] row = new float[cols];
        for (int i = 0; i < n; i++) {
            int t = tokens.getAtIndex(I32, i);
            if (t < 0 || (t + 1L) * rowBytes > table.byteSize()) {
                throw new IllegalArgumentException("jinn_embed: token id " + t + " (row " + i + ") is outside a "
                        + type + " table of " + table.byteSize() / rowBytes + " rows of " + cols);
            }
            decodeRow(type, table, t * rowBytes, row, cols);
            MemorySegment.copy(row, 0, out, F32, (long) i * cols * 4, cols);
        }
    }

    // PTR x, PTR w, PTR out, I32 n, I32 cols, F32 eps
    static void rmsNorm(LaunchConfig c, KernelArgs a) {
        int n = a.i32(3);
        int cols = a.i32(4);
        float eps = a.f32(5);
        require(Kernel.RMSNORM, c, c.gridX() >= n, "gridDim.x covers the " + n + " rows");
        require(Kernel.RMSNORM, c, c.blockX() % 32 == 0, "blockDim.x is whole warps");
        MemorySegment x = aligned(Kernel.RMSNORM, a, 0, "x", 4);
        MemorySegment w = aligned(Kernel.RMSNORM, a, 1, "w", 4);
        MemorySegment out = aligned(Kernel.RMSNORM, a, 2, "out", 4);
        for (int i = 0; i < n; i++) {
            long base = (long) i * cols;
            double sum = 0; // float squares summed in double, as ggml (and the kernel)
            for (int j = 0; j < cols; j++) {
                float v = x.getAtIndex(F32, base + j);
                sum += v * v;
            }
            float scale = (float) (1.0 / Math.sqrt((float) (sum / cols) + eps));
            for (int j = 0; j < cols; j++) {
                out.setAtIndex(F32, base + j, x.getAtIndex(F32, base + j) * scale * w.getAtIndex(F32, j));
            }
        }
    }

    // PTR w, PTR x (Q8_0 and Q4_0: xq, the layout of jinn_quantize_q8_0), PTR bias (nullable), PTR out, I32 rows,
    // I32 cols, I32 n
    static void matvec(Kernel k, GgmlType type, LaunchConfig c, KernelArgs a) {
        int rows = a.i32(4);
        int cols = a.i32(5);
        int n = a.i32(6);
        long warpRows = (long) c.gridY() * c.blockY() * Launches.MATVEC_ROWS_PER_WARP;
        require(k, c, c.blockX() == 32, "blockDim.x is one warp (32)");
        require(k, c, warpRows >= rows, "gridDim.y * blockDim.y * " + Launches.MATVEC_ROWS_PER_WARP
                + " rows per warp = " + warpRows + " covers the " + rows + " weight rows");
        require(k, c, c.gridX() == n, "gridDim.x equals the " + n + " activation rows");
        require(k, c, c.blockZ() == 1 && c.gridZ() == 1, "the launch is two-dimensional");
        MemorySegment w = aligned(k, a, 0, "w", weightAlignment(type));
        // x is read with 16-byte loads (the float types fall back to scalar loads when it is not aligned)
        MemorySegment x = aligned(k, a, 1, "x", type.blockElements() == 1 ? 4 : 16);
        MemorySegment bias = a.ptr(2);
        MemorySegment out = aligned(k, a, 3, "out", 4);
        long rowBytes = rowBytes(k, type, cols);
        if (Launches.quantizesActivations(type.id())) {
            matvecQ8(type, w, x, bias, out, rows, cols, n, rowBytes);
            return;
        }
        float[] wr = new float[cols];
        float[][] xs = new float[n][cols];
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(x, F32, (long) i * cols * 4, xs[i], 0, cols);
        }
        for (int r = 0; r < rows; r++) {
            decodeRow(type, w, r * rowBytes, wr, cols);
            float b = isNull(bias) ? 0f : bias.getAtIndex(F32, r);
            for (int i = 0; i < n; i++) {
                double s = 0;
                float[] xi = xs[i];
                for (int j = 0; j < cols; j++) {
                    s += (double) wr[j] * xi[j];
                }
                out.setAtIndex(F32, (long) i * rows + r, (float) s + b);
            }
        }
    }

    /**
     * Q8_0/Q4_0 weights against Q8_0 activations (ggml's vec_dot_q8_0_q8_0 / q4_0_q8_0): per block, the weight values
     * (q·d_w, exact in float) times the int8 activations summed exactly in double, times the activation scale; the
     * kernel's integer sums are the same numbers.
     */
    private static void matvecQ8(GgmlType type, MemorySegment w, MemorySegment xq, MemorySegment bias,
                                 MemorySegment out, int rows, int cols, int n, long rowBytes) {
        long count = (long) n * cols;
        float[] wr = new float[cols];
        for (int r = 0; r < rows; r++) {
            decodeRow(type, w, r * rowBytes, wr, cols);
            float b = isNull(bias) ? 0f : bias.getAtIndex(F32, r);
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int blk = 0; blk < cols / 32; blk++) {
                    long x0 = (long) i * cols + blk * 32L;
                    double block = 0;
                    for (int j = 0; j < 32; j++) {
                        block += (double) wr[blk * 32 + j] * xq.get(ValueLayout.JAVA_BYTE, x0 + j);
                    }
                    s += block * xq.get(F32, count + 4 * (x0 / 32)); // the block's scale, after the values
                }
                out.setAtIndex(F32, (long) i * rows + r, (float) s + b);
            }
        }
    }

    // PTR w, PTR out, I32 row0, I32 nrows, I32 cols
    static void dequantF16(Kernel k, GgmlType type, LaunchConfig c, KernelArgs a) {
        int row0 = a.i32(2);
        int nrows = a.i32(3);
        int cols = a.i32(4);
        require(k, c, c.gridX() >= nrows, "gridDim.x covers the " + nrows + " rows");
        require(k, c, c.blockX() % 32 == 0, "blockDim.x is whole warps");
        MemorySegment w = aligned(k, a, 0, "w", weightAlignment(type));
        MemorySegment out = aligned(k, a, 1, "out", 2);
        long rowBytes = rowBytes(k, type, cols);
        float[] row = new float[cols];
        for (int r = 0; r < nrows; r++) {
            decodeRow(type, w, (row0 + (long) r) * rowBytes, row, cols);
            for (int j = 0; j < cols; j++) {
                out.setAtIndex(I16, (long) r * cols + j, f16Saturating(row[j]));
            }
        }
    }

    // PTR x, PTR out, I32 count
    static void f32ToF16(LaunchConfig c, KernelArgs a) {
        int count = a.i32(2);
        requireThreads(Kernel.F32_TO_F16, c, count);
        MemorySegment x = nonNull(Kernel.F32_TO_F16, a, 0, "x");
        MemorySegment out = nonNull(Kernel.F32_TO_F16, a, 1, "out");
        for (int i = 0; i < count; i++) {
            out.setAtIndex(I16, i, f16Saturating(x.getAtIndex(F32, i)));
        }
    }

    // PTR x, PTR xq, I32 count
    static void quantizeQ8_0(LaunchConfig c, KernelArgs a) {
        Kernel k = Kernel.QUANTIZE_Q8_0;
        int count = q8Count(k, c, a.i32(2));
        MemorySegment x = aligned(k, a, 0, "x", 4);
        MemorySegment xq = aligned(k, a, 1, "xq", 16);
        byte[] q = new byte[32];
        for (int blk = 0; blk < count / 32; blk++) {
            float d = quantizeBlock(x, blk * 32L, q);
            MemorySegment.copy(q, 0, xq, ValueLayout.JAVA_BYTE, blk * 32L, 32);
            xq.setAtIndex(F32, count / 4 + blk, d);
        }
    }

    // PTR out, PTR bias, I32 n, I32 cols
    static void addBias(LaunchConfig c, KernelArgs a) {
        int n = a.i32(2);
        int cols = a.i32(3);
        requireThreads(Kernel.ADD_BIAS, c, (long) n * cols);
        MemorySegment out = nonNull(Kernel.ADD_BIAS, a, 0, "out");
        MemorySegment bias = nonNull(Kernel.ADD_BIAS, a, 1, "bias");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < cols; j++) {
                long o = (long) i * cols + j;
                out.setAtIndex(F32, o, out.getAtIndex(F32, o) + bias.getAtIndex(F32, j));
            }
        }
    }

    // PTR x, PTR pos, I32 n, I32 heads, I32 headDim, F32 thetaScale, I32 neox
    static void rope(LaunchConfig c, KernelArgs a) {
        int n = a.i32(2);
        int heads = a.i32(3);
        int headDim = a.i32(4);
        float thetaScale = a.f32(5);
        boolean neox = a.i32(6) != 0;
        int half = headDim / 2;
        require(Kernel.ROPE, c, c.gridX() == heads, "gridDim.x equals the " + heads + " heads");
        require(Kernel.ROPE, c, c.gridY() == n, "gridDim.y equals the " + n + " rows");
        require(Kernel.ROPE, c, c.blockX() >= half, "blockDim.x covers the " + half + " pairs of a head");
        MemorySegment x = nonNull(Kernel.ROPE, a, 0, "x");
        int start = nonNull(Kernel.ROPE, a, 1, "pos").getAtIndex(I32, 0);
        for (int i = 0; i < n; i++) {
            float angle = start + i; // ggml's rope cache: the position times thetaScale once per pair, in float
            for (int j = 0; j < half; j++, angle *= thetaScale) {
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                for (int h = 0; h < heads; h++) {
                    long base = (long) i * heads * headDim + (long) h * headDim;
                    long i0 = neox ? base + j : base + 2L * j;
                    long i1 = neox ? base + j + half : base + 2L * j + 1;
                    float x0 = x.getAtIndex(F32, i0);
                    float x1 = x.getAtIndex(F32, i1);
                    x.setAtIndex(F32, i0, x0 * cos - x1 * sin);
                    x.setAtIndex(F32, i1, x0 * sin + x1 * cos);
                }
            }
        }
    }

    // PTR k, PTR v, PTR kcache, PTR vcache, PTR pos, I32 n, I32 kvHeads, I32 headDim, I32 capacity, I32 f16
    static void kvStore(LaunchConfig c, KernelArgs a) {
        int n = a.i32(5);
        int kvHeads = a.i32(6);
        int headDim = a.i32(7);
        int capacity = a.i32(8);
        boolean f16 = a.i32(9) != 0;
        require(Kernel.KV_STORE, c, c.gridX() == kvHeads, "gridDim.x equals the " + kvHeads + " kv heads");
        require(Kernel.KV_STORE, c, c.gridY() == n, "gridDim.y equals the " + n + " rows");
        require(Kernel.KV_STORE, c, c.blockX() >= headDim, "blockDim.x covers the head dimension " + headDim);
        MemorySegment k = nonNull(Kernel.KV_STORE, a, 0, "k");
        MemorySegment v = nonNull(Kernel.KV_STORE, a, 1, "v");
        MemorySegment kc = nonNull(Kernel.KV_STORE, a, 2, "kcache");
        MemorySegment vc = nonNull(Kernel.KV_STORE, a, 3, "vcache");
        int start = nonNull(Kernel.KV_STORE, a, 4, "pos").getAtIndex(I32, 0);
        if (start < 0 || (long) start + n > capacity) {
            throw new IllegalArgumentException("jinn_kv_store: positions " + start + ".." + (start + n - 1L)
                    + " do not fit a cache of " + capacity);
        }
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < kvHeads; h++) {
                for (int d = 0; d < headDim; d++) {
                    long src = ((long) i * kvHeads + h) * headDim + d;
                    long dst = ((long) h * capacity + start + i) * headDim + d;
                    cacheSet(kc, f16, dst, k.getAtIndex(F32, src));
                    cacheSet(vc, f16, dst, v.getAtIndex(F32, src));
                }
            }
        }
    }

    // PTR q, PTR kcache, PTR vcache, PTR partial, PTR pos, I32 n, I32 heads, I32 kvHeads, I32 headDim,
    // I32 capacity, I32 chunk, I32 f16, F32 scale
    static void attention(LaunchConfig c, KernelArgs a) {
        Kernel k = Kernel.ATTENTION;
        int n = a.i32(5);
        int heads = a.i32(6);
        int kvHeads = a.i32(7);
        int headDim = a.i32(8);
        int capacity = a.i32(9);
        int chunk = a.i32(10);
        boolean f16 = a.i32(11) != 0;
        float scale = a.f32(12);
        int nChunks = (capacity + chunk - 1) / chunk;
        if (chunk <= 0 || chunk % 32 != 0) {
            throw new IllegalArgumentException("jinn_attention: chunk " + chunk + " is not a positive multiple of 32");
        }
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("jinn_attention: " + heads + " heads is not a multiple of "
                    + kvHeads + " kv heads");
        }
        require(k, c, c.gridX() == heads, "gridDim.x equals the " + heads + " heads");
        require(k, c, c.gridY() == nChunks, "gridDim.y equals the " + nChunks + " chunks of " + chunk
                + " in a cache of " + capacity);
        require(k, c, c.gridZ() == n, "gridDim.z equals the " + n + " query rows");
        require(k, c, c.blockX() == Launches.ATTENTION_THREADS && c.blockY() == 1 && c.blockZ() == 1,
                "blockDim is (" + Launches.ATTENTION_THREADS + ", 1, 1), the kernel's ATT_WARPS warps");
        require(k, c, headDim <= Launches.ATTENTION_MAX_HEAD_DIM && headDim % 4 == 0, "head dimension " + headDim
                + " is a multiple of 4 and at most " + Launches.ATTENTION_MAX_HEAD_DIM);
        MemorySegment q = aligned(k, a, 0, "q", 16);
        MemorySegment kc = aligned(k, a, 1, "kcache", f16 ? 8 : 16);
        MemorySegment vc = aligned(k, a, 2, "vcache", f16 ? 8 : 16);
        MemorySegment partial = aligned(k, a, 3, "partial", 4);
        int start = nonNull(k, a, 4, "pos").getAtIndex(I32, 0);
        if (start < 0 || (long) start + n > capacity) {
            throw new IllegalArgumentException("jinn_attention: query positions " + start + ".." + (start + n - 1L)
                    + " do not fit a cache of " + capacity);
        }
        int group = heads / kvHeads;
        int rec = headDim + 2;
        double[] acc = new double[headDim];
        for (int i = 0; i < n; i++) {
            int p = start + i;
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                long qOff = ((long) i * heads + h) * headDim;
                for (int ch = 0; ch < nChunks; ch++) {
                    long out = (((long) i * heads + h) * nChunks + ch) * rec;
                    int from = ch * chunk;
                    int to = Math.min(from + chunk, p + 1);
                    if (from >= to) {
                        // empty chunk: only m and the sum are written (KERNELS.md); readers skip the values
                        partial.setAtIndex(F32, out + headDim, Float.NEGATIVE_INFINITY);
                        partial.setAtIndex(F32, out + headDim + 1, 0f);
                        continue;
                    }
                    float[] scores = new float[to - from];
                    float m = Float.NEGATIVE_INFINITY;
                    for (int t = from; t < to; t++) {
                        long kOff = ((long) kvh * capacity + t) * headDim;
                        double s = 0;
                        for (int d = 0; d < headDim; d++) {
                            s += (double) q.getAtIndex(F32, qOff + d) * cacheGet(kc, f16, kOff + d);
                        }
                        float sc = (float) s * scale;
                        scores[t - from] = sc;
                        m = Math.max(m, sc);
                    }
                    java.util.Arrays.fill(acc, 0);
                    double sum = 0;
                    for (int t = from; t < to; t++) {
                        double e = Math.exp(scores[t - from] - m);
                        sum += e;
                        long vOff = ((long) kvh * capacity + t) * headDim;
                        for (int d = 0; d < headDim; d++) {
                            acc[d] += e * cacheGet(vc, f16, vOff + d);
                        }
                    }
                    for (int d = 0; d < headDim; d++) {
                        partial.setAtIndex(F32, out + d, (float) acc[d]);
                    }
                    partial.setAtIndex(F32, out + headDim, m);
                    partial.setAtIndex(F32, out + headDim + 1, (float) sum);
                }
            }
        }
    }

    // PTR q, PTR kcache, PTR vcache, PTR out, PTR pos, I32 n, I32 heads, I32 kvHeads, I32 headDim, I32 capacity,
    // F32 scale
    static void attentionF16(LaunchConfig c, KernelArgs a) {
        Kernel k = Kernel.ATTENTION_F16;
        int n = a.i32(5);
        int heads = a.i32(6);
        int kvHeads = a.i32(7);
        int headDim = a.i32(8);
        int capacity = a.i32(9);
        float scale = a.f32(10);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(k.symbol() + ": " + heads + " heads is not a multiple of " + kvHeads
                    + " kv heads");
        }
        require(k, c, c.gridX() == heads, "gridDim.x equals the " + heads + " heads");
        require(k, c, c.gridY() == n, "gridDim.y equals the " + n + " query rows");
        require(k, c, c.gridZ() == 1, "gridDim.z is 1");
        require(k, c, c.blockX() == Launches.ATTENTION_THREADS && c.blockY() == 1 && c.blockZ() == 1,
                "blockDim is (" + Launches.ATTENTION_THREADS + ", 1, 1), a thread per dimension of the head");
        require(k, c, headDim <= Launches.ATTENTION_MAX_HEAD_DIM, "head dimension " + headDim + " is at most "
                + Launches.ATTENTION_MAX_HEAD_DIM);
        MemorySegment q = aligned(k, a, 0, "q", 4);
        MemorySegment kc = aligned(k, a, 1, "kcache", 2);
        MemorySegment vc = aligned(k, a, 2, "vcache", 2);
        MemorySegment out = aligned(k, a, 3, "out", 4);
        int start = nonNull(k, a, 4, "pos").getAtIndex(I32, 0);
        if (start < 0 || (long) start + n > capacity) {
            throw new IllegalArgumentException(k.symbol() + ": query positions " + start + ".." + (start + n - 1L)
                    + " do not fit a cache of " + capacity);
        }
        int group = heads / kvHeads;
        float[] qv = new float[headDim];
        float[] kv = new float[headDim];
        float[] acc = new float[headDim];
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                long head0 = (long) (h / group) * capacity;
                long qOff = ((long) i * heads + h) * headDim;
                for (int d = 0; d < headDim; d++) {
                    qv[d] = f16Round(q.getAtIndex(F32, qOff + d));
                }
                java.util.Arrays.fill(acc, 0f);
                float m = Float.NEGATIVE_INFINITY;
                float sum = 0;
                for (int t = 0; t <= start + i; t++) {
                    long row = (head0 + t) * headDim;
                    for (int d = 0; d < headDim; d++) {
                        kv[d] = cacheGet(kc, true, row + d);
                    }
                    float s = dotGgmlF16(qv, kv, headDim) * scale;
                    float ms = 1f;
                    float vs = 1f;
                    if (s > m) {
                        ms = (float) Math.exp(m - s);
                        m = s;
                        for (int d = 0; d < headDim; d++) {
                            acc[d] = f16Round(acc[d] * ms);
                        }
                    } else {
                        vs = (float) Math.exp(s - m);
                    }
                    sum = sum * ms + vs;
                    for (int d = 0; d < headDim; d++) {
                        acc[d] = f16Round(Math.fma(cacheGet(vc, true, row + d), vs, acc[d]));
                    }
                }
                float inv = sum == 0 ? 0 : 1f / sum;
                for (int d = 0; d < headDim; d++) {
                    out.setAtIndex(F32, qOff + d, acc[d] * inv);
                }
            }
        }
    }

    /**
     * q·k as jinn_attention_f16 sums it over the 16 lanes l of a half-warp: for a multiple of 64 values, ggml's
     * AVX-512 ggml_vec_dot_f16 order (four fused accumulators per lane over values 64i + 16j + l, then
     * (a0 + a2) + (a1 + a3)), else one fused accumulator per lane over values l, l + 16, ...; then lanes l and
     * l^8, l^4, l^2, l^1 added pairwise.
     */
    static float dotGgmlF16(float[] q, float[] k, int n) {
        float[] lane = new float[16];
        for (int l = 0; l < 16; l++) {
            if (n % 64 == 0) {
                float[] acc = new float[4];
                for (int e = l; e < n; e += 64) {
                    for (int j = 0; j < 4; j++) {
                        acc[j] = Math.fma(k[e + 16 * j], q[e + 16 * j], acc[j]);
                    }
                }
                lane[l] = (acc[0] + acc[2]) + (acc[1] + acc[3]);
            } else {
                float acc = 0;
                for (int e = l; e < n; e += 16) {
                    acc = Math.fma(k[e], q[e], acc);
                }
                lane[l] = acc;
            }
        }
        for (int o = 8; o > 0; o >>= 1) {
            float[] next = new float[16];
            for (int l = 0; l < 16; l++) {
                next[l] = lane[l] + lane[l ^ o];
            }
            lane = next;
        }
        return lane[0];
    }

    private static float f16Round(float v) {
        return Float16.toFloat(Float16.fromFloat(v));
    }

    // PTR partial, PTR out, I32 n, I32 heads, I32 headDim, I32 nChunks
    static void attentionReduce(LaunchConfig c, KernelArgs a) {
        Kernel k = Kernel.ATTENTION_REDUCE;
        int n = a.i32(2);
        int heads = a.i32(3);
        int headDim = a.i32(4);
        int nChunks = a.i32(5);
        require(k, c, c.gridX() == heads, "gridDim.x equals the " + heads + " heads");
        require(k, c, c.gridY() == n, "gridDim.y equals the " + n + " rows");
        require(k, c, c.blockX() >= headDim, "blockDim.x covers the head dimension " + headDim);
        MemorySegment partial = nonNull(k, a, 0, "partial");
        MemorySegment out = nonNull(k, a, 1, "out");
        int rec = headDim + 2;
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                long base = ((long) i * heads + h) * nChunks * rec;
                float m = Float.NEGATIVE_INFINITY;
                for (int ch = 0; ch < nChunks; ch++) {
                    m = Math.max(m, partial.getAtIndex(F32, base + (long) ch * rec + headDim));
                }
                double sum = 0;
                double[] acc = new double[headDim];
                for (int ch = 0; ch < nChunks; ch++) {
                    long r = base + (long) ch * rec;
                    float mc = partial.getAtIndex(F32, r + headDim);
                    if (mc == Float.NEGATIVE_INFINITY) {
                        continue; // an empty chunk; its values were never written
                    }
                    double f = Math.exp(mc - m);
                    sum += f * partial.getAtIndex(F32, r + headDim + 1);
                    for (int d = 0; d < headDim; d++) {
                        acc[d] += f * partial.getAtIndex(F32, r + d);
                    }
                }
                long o = (long) i * heads * headDim + (long) h * headDim;
                for (int d = 0; d < headDim; d++) {
                    out.setAtIndex(F32, o + d, sum > 0 ? (float) (acc[d] / sum) : 0f);
                }
            }
        }
    }

    // PTR gate, PTR up, PTR out, I32 count
    static void swiglu(LaunchConfig c, KernelArgs a) {
        int count = a.i32(3);
        requireThreads(Kernel.SWIGLU, c, count);
        MemorySegment gate = nonNull(Kernel.SWIGLU, a, 0, "gate");
        MemorySegment up = nonNull(Kernel.SWIGLU, a, 1, "up");
        MemorySegment out = nonNull(Kernel.SWIGLU, a, 2, "out");
        for (int i = 0; i < count; i++) {
            float g = gate.getAtIndex(F32, i);
            out.setAtIndex(F32, i, g / (1.0f + (float) Math.exp(-g)) * up.getAtIndex(F32, i)); // float, as ggml
        }
    }

    // PTR x, PTR y, I32 count
    static void add(LaunchConfig c, KernelArgs a) {
        int count = a.i32(2);
        requireThreads(Kernel.ADD, c, count);
        MemorySegment x = nonNull(Kernel.ADD, a, 0, "x");
        MemorySegment y = nonNull(Kernel.ADD, a, 1, "y");
        for (int i = 0; i < count; i++) {
            x.setAtIndex(F32, i, x.getAtIndex(F32, i) + y.getAtIndex(F32, i));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static float cacheGet(MemorySegment cache, boolean f16, long index) {
        return f16 ? Float16.toFloat(cache.getAtIndex(I16, index)) : cache.getAtIndex(F32, index);
    }

    private static void cacheSet(MemorySegment cache, boolean f16, long index, float v) {
        if (f16) {
            cache.setAtIndex(I16, index, Float16.fromFloat(v));
        } else {
            cache.setAtIndex(F32, index, v);
        }
    }

    /**
     * ggml's (x86) quantize_row_q8_0 on the 32 floats at index {@code from}: the scale amax/127 rounded to f16 (returned
     * as a float), values rint(x·127/amax). A NaN is passed over by the maximum, as fmaxf does on the GPU.
     */
    static float quantizeBlock(MemorySegment x, long from, byte[] q) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            float v = Math.abs(x.getAtIndex(F32, from + j));
            if (v > amax) {
                amax = v;
            }
        }
        float d = Float16.toFloat(Float16.fromFloat(amax / 127.0f));
        float id = amax != 0 ? 127.0f / amax : 0.0f;
        for (int j = 0; j < 32; j++) {
            q[j] = (byte) (int) Math.rint(x.getAtIndex(F32, from + j) * id);
        }
        return d;
    }

    /** f16 bits, round to nearest even, a finite value beyond the f16 range (or an infinity) clamped to ±65504. */
    static short f16Saturating(float v) {
        return Float16.fromFloat(Math.abs(v) > 65504f ? Math.copySign(65504f, v) : v);
    }

    /** The value count of a Q8_0 activation launch: a positive multiple of 32, each block a whole warp. */
    private static int q8Count(Kernel k, LaunchConfig c, int count) {
        if (count <= 0 || count % 32 != 0) {
            throw new IllegalArgumentException(k.symbol() + ": " + count + " values are not whole blocks of 32");
        }
        requireThreads(k, c, count);
        require(k, c, c.blockX() % 32 == 0, "blockDim.x is whole warps, so that each warp holds one block");
        return count;
    }

    private static void decodeRow(GgmlType type, MemorySegment w, long offset, float[] dst, int cols) {
        codec(type).decode(w, offset, dst, 0, cols);
    }

    private static QuantCodec codec(GgmlType type) {
        return QuantCodecs.require(type);
    }

    private static long rowBytes(Kernel k, GgmlType type, int cols) {
        if (cols <= 0 || cols % type.blockElements() != 0) {
            throw new IllegalArgumentException(k.symbol() + ": a row of " + cols + " values is not a whole number of "
                    + type + " blocks of " + type.blockElements());
        }
        return (long) cols / type.blockElements() * type.blockBytes();
    }

    private static GgmlType type(Kernel k, int id) {
        GgmlType t = GgmlType.byId(id).orElse(null);
        if (t == null || !Launches.supports(id)) {
            throw new IllegalArgumentException(k.symbol() + ": ggml type " + id + " is not one of the GPU's types");
        }
        return t;
    }

    private static boolean isNull(MemorySegment s) {
        return MemorySegment.NULL.equals(s);
    }

    private static MemorySegment nonNull(Kernel k, KernelArgs a, int i, String name) {
        MemorySegment s = a.ptr(i);
        if (isNull(s)) {
            throw new IllegalArgumentException(k.symbol() + ": parameter " + i + " (" + name + ") is a null pointer");
        }
        return s;
    }

    /**
     * The pointer parameter {@code i}, non-null and aligned to {@code bytes} as the CUDA kernel's loads need
     * (KERNELS.md: device allocations are 256-byte aligned, so only an offset pointer can break this).
     */
    private static MemorySegment aligned(Kernel k, KernelArgs a, int i, String name, int bytes) {
        MemorySegment s = nonNull(k, a, i, name);
        if (s.address() % bytes != 0) {
            throw new IllegalArgumentException(k.symbol() + ": parameter " + i + " (" + name + ") at 0x"
                    + Long.toHexString(s.address()) + " is not " + bytes + "-byte aligned, as the kernel's loads need");
        }
        return s;
    }

    /** The alignment a kernel needs of a weight matrix of {@code type}: 16 for the 16-byte-read K blocks. */
    private static int weightAlignment(GgmlType type) {
        return switch (type) {
            case Q4_K, Q5_K -> 16;
            case F32 -> 4;
            default -> 2;
        };
    }

    private static void requireThreads(Kernel k, LaunchConfig c, long count) {
        long threads = (long) c.gridX() * c.gridY() * c.gridZ() * c.blockX() * c.blockY() * c.blockZ();
        require(k, c, c.gridY() == 1 && c.gridZ() == 1 && c.blockY() == 1 && c.blockZ() == 1,
                "the launch is one-dimensional");
        require(k, c, threads >= count, threads + " threads cover the " + count + " elements");
    }

    private static void require(Kernel k, LaunchConfig c, boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(k.symbol() + ": launch " + c + " breaks the kernel's assumption that "
                    + what);
        }
    }
}
