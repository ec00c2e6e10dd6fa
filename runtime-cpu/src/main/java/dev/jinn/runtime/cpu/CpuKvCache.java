package dev.jinn.runtime.cpu;

import dev.jinn.JinnException;
import dev.jinn.KvCacheType;
import dev.jinn.spi.KvCache;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Keys and values in native memory, {@code [layer][kvHead][position][headDim]} for K and V each, so the attention
 * kernel walks one head's positions contiguously. Elements are F32, F16 or Q8_0 blocks of 32 (34 bytes).
 */
final class CpuKvCache implements KvCache {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int layers;
    final int kvHeads;
    final int headDim;
    final int capacity;
    final KvCacheType type;
    final long rowBytes;
    private final Arena arena;
    private final MemorySegment k;
    private final MemorySegment v;
    private boolean closed;

    CpuKvCache(int layers, int kvHeads, int headDim, int capacity, KvCacheType type) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("bad KV cache geometry: layers " + layers + ", kv heads " + kvHeads
                    + ", head dim " + headDim + ", capacity " + capacity);
        }
        if (type == KvCacheType.Q8_0 && headDim % 32 != 0) {
            throw new JinnException("a Q8_0 KV cache needs a head dimension that is a multiple of 32, the model has "
                    + headDim + "; use F16 or F32");
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.type = type;
        this.rowBytes = switch (type) {
            case F32 -> 4L * headDim;
            case F16 -> 2L * headDim;
            case Q8_0 -> headDim / 32 * 34L;
        };
        long bytes = rowBytes * capacity * kvHeads * layers;
        this.arena = Arena.ofShared();
        try {
            this.k = arena.allocate(bytes, 64);
            this.v = arena.allocate(bytes, 64);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new JinnException("cannot allocate a KV cache of 2 x " + bytes + " bytes for " + capacity
                    + " positions; use a shorter context or a smaller KV cache type", e);
        }
    }

    private long rowOffset(int layer, int kvHead, int pos) {
        return (((long) layer * kvHeads + kvHead) * capacity + pos) * rowBytes;
    }

    void storeK(int layer, int kvHead, int pos, float[] src, int off) {
        store(k, rowOffset(layer, kvHead, pos), src, off);
    }

    void storeV(int layer, int kvHead, int pos, float[] src, int off) {
        store(v, rowOffset(layer, kvHead, pos), src, off);
    }

    void loadK(int layer, int kvHead, int pos, float[] dst, int off) {
        load(k, rowOffset(layer, kvHead, pos), dst, off);
    }

    void loadV(int layer, int kvHead, int pos, float[] dst, int off) {
        load(v, rowOffset(layer, kvHead, pos), dst, off);
    }

    /** Loads positions {@code [0, count)} of one head's keys (or values) into {@code dst}, {@code [pos][headDim]}. */
    void loadRange(dev.jinn.runtime.cpu.internal.Kernels kernels, boolean keys, int layer, int kvHead, int count,
                   float[] dst) {
        MemorySegment seg = keys ? k : v;
        long base = rowOffset(layer, kvHead, 0);
        switch (type) {
            case F32 -> MemorySegment.copy(seg, FLOAT, base, dst, 0, count * headDim);
            case F16 -> kernels.f16ToFloat(seg, base, dst, 0, count * headDim);
            case Q8_0 -> {
                for (int p = 0; p < count; p++) {
                    load(seg, base + p * rowBytes, dst, p * headDim);
                }
            }
        }
    }

    private void store(MemorySegment seg, long at, float[] src, int off) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, off, seg, FLOAT, at, headDim);
            case F16 -> {
                for (int i = 0; i < headDim; i++) {
                    seg.set(SHORT, at + 2L * i, Float.floatToFloat16(src[off + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < headDim / 32; b++) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) {
                        amax = Math.max(amax, Math.abs(src[off + 32 * b + j]));
                    }
                    float d = amax / 127.0f;
                    float id = d != 0 ? 1.0f / d : 0;
                    long bo = at + 34L * b;
                    seg.set(SHORT, bo, Float.floatToFloat16(d));
                    for (int j = 0; j < 32; j++) {
                        seg.set(ValueLayout.JAVA_BYTE, bo + 2 + j, (byte) Math.round(src[off + 32 * b + j] * id));
                    }
                }
            }
        }
    }

    private void load(MemorySegment seg, long at, float[] dst, int off) {
        switch (type) {
            case F32 -> MemorySegment.copy(seg, FLOAT, at, dst, off, headDim);
            case F16 -> {
                for (int i = 0; i < headDim; i++) {
                    dst[off + i] = Float.float16ToFloat(seg.get(SHORT, at + 2L * i));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < headDim / 32; b++) {
                    long bo = at + 34L * b;
                    float d = Float.float16ToFloat(seg.get(SHORT, bo));
                    for (int j = 0; j < 32; j++) {
                        dst[off + 32 * b + j] = seg.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * d;
                    }
                }
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("KV cache is closed");
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void copyTo(KvCache target, int length) {
        checkOpen();
        if (!(target instanceof CpuKvCache t) || t.layers != layers || t.kvHeads != kvHeads || t.headDim != headDim
                || t.type != type || t.capacity < length || length > capacity || length < 0) {
            throw new IllegalArgumentException("cannot copy " + length + " positions into a KV cache of another shape");
        }
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                MemorySegment.copy(k, rowOffset(l, h, 0), t.k, t.rowOffset(l, h, 0), length * rowBytes);
                MemorySegment.copy(v, rowOffset(l, h, 0), t.v, t.rowOffset(l, h, 0), length * rowBytes);
            }
        }
    }

    @Override
    public long bytesPerPosition() {
        return 2 * rowBytes * kvHeads * layers;
    }

    @Override
    public byte[] export(int length) {
        checkOpen();
        if (length < 0 || length > capacity || bytesPerPosition() * length > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("cannot export " + length + " positions of this KV cache");
        }
        byte[] out = new byte[(int) (bytesPerPosition() * length)];
        int at = 0;
        int chunk = (int) (length * rowBytes);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                MemorySegment.copy(k, ValueLayout.JAVA_BYTE, rowOffset(l, h, 0), out, at, chunk);
                at += chunk;
                MemorySegment.copy(v, ValueLayout.JAVA_BYTE, rowOffset(l, h, 0), out, at, chunk);
                at += chunk;
            }
        }
        return out;
    }

    @Override
    public void importFrom(byte[] data, int length) {
        checkOpen();
        if (length < 0 || length > capacity || data.length != bytesPerPosition() * length) {
            throw new IllegalArgumentException("KV data of " + data.length + " bytes does not hold " + length
                    + " positions of " + bytesPerPosition() + " bytes for a cache of capacity " + capacity);
        }
        int at = 0;
        int chunk = (int) (length * rowBytes);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                MemorySegment.copy(data, at, k, ValueLayout.JAVA_BYTE, rowOffset(l, h, 0), chunk);
                at += chunk;
                MemorySegment.copy(data, at, v, ValueLayout.JAVA_BYTE, rowOffset(l, h, 0), chunk);
                at += chunk;
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
