package dev.jinn.runtime.gpu;

import dev.jinn.spi.KvCache;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One sequence's keys and values in device memory, laid out as {@code runtime-gpu/KERNELS.md} says: per layer
 * {@code [kvHead][capacity][headDim]} for K and for V, elements F16 or F32. Also holds the sequence's captured
 * decode graph (its scratch tensors and this cache are what the graph's kernels point at). Operations take the
 * backend's lock.
 */
final class CudaKvCache implements KvCache {
    final CudaBackend owner;
    final int layers;
    final int kvHeads;
    final int headDim;
    final int capacity;
    final boolean f16;
    final long k;
    final long v;
    /** The decode graph captured for this sequence, or null; guarded by the backend's lock. */
    DecodeGraph graph;
    /** Guarded by the backend's lock. */
    boolean closed;

    CudaKvCache(CudaBackend owner, int layers, int kvHeads, int headDim, int capacity, boolean f16, long k, long v) {
        this.owner = owner;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.f16 = f16;
        this.k = k;
        this.v = v;
    }

    int elementBytes() {
        return f16 ? 2 : 4;
    }

    /** Bytes of one layer of K (or V), rounded up to 256 so every layer's base is aligned as kernels need. */
    long layerBytes() {
        return layerBytes(kvHeads, capacity, headDim, f16);
    }

    static long layerBytes(int kvHeads, int capacity, int headDim, boolean f16) {
        return ((long) kvHeads * capacity * headDim * (f16 ? 2 : 4) + 255) & ~255L;
    }

    /** Offset of position {@code pos} of one head of one layer. */
    long offset(int layer, int head, int pos) {
        return layer * layerBytes() + ((long) head * capacity + pos) * headDim * elementBytes();
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
        if (!(target instanceof CudaKvCache to) || to.owner != owner || to.layers != layers || to.kvHeads != kvHeads
                || to.headDim != headDim || to.f16 != f16 || length < 0 || length > capacity || length > to.capacity) {
            throw new IllegalArgumentException("cannot copy " + length + " positions into a KV cache of another shape");
        }
        owner.enter();
        try {
            checkOpen();
            to.checkOpen();
            CudaDevice dev = owner.device();
            long bytes = (long) length * headDim * elementBytes();
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    dev.copy(to.k + to.offset(l, h, 0), k + offset(l, h, 0), bytes);
                    dev.copy(to.v + to.offset(l, h, 0), v + offset(l, h, 0), bytes);
                }
            }
        } finally {
            owner.exit();
        }
    }

    @Override
    public long bytesPerPosition() {
        return 2L * layers * kvHeads * headDim * elementBytes();
    }

    /** Per layer, per head: K positions [0, length) then V positions [0, length) (the CPU cache's order). */
    @Override
    public byte[] export(int length) {
        if (length < 0 || length > capacity || bytesPerPosition() * length > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("cannot export " + length + " positions of this KV cache");
        }
        byte[] out = new byte[(int) (bytesPerPosition() * length)];
        long chunk = (long) length * headDim * elementBytes();
        owner.enter();
        try (Arena a = Arena.ofConfined()) {
            checkOpen();
            CudaDevice dev = owner.device();
            MemorySegment host = a.allocate(Math.max(1, chunk));
            int at = 0;
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    for (long base : new long[] {k, v}) {
                        dev.download(host, base + offset(l, h, 0), chunk);
                        MemorySegment.copy(host, ValueLayout.JAVA_BYTE, 0, out, at, (int) chunk);
                        at += (int) chunk;
                    }
                }
            }
            return out;
        } finally {
            owner.exit();
        }
    }

    @Override
    public void importFrom(byte[] data, int length) {
        if (length < 0 || length > capacity || data.length != bytesPerPosition() * length) {
            throw new IllegalArgumentException("KV data of " + data.length + " bytes does not hold " + length
                    + " positions of " + bytesPerPosition() + " bytes for a cache of capacity " + capacity);
        }
        long chunk = (long) length * headDim * elementBytes();
        owner.enter();
        try {
            checkOpen();
            CudaDevice dev = owner.device();
            MemorySegment src = MemorySegment.ofArray(data);
            long at = 0;
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    for (long base : new long[] {k, v}) {
                        dev.upload(base + offset(l, h, 0), src.asSlice(at, chunk), chunk);
                        at += chunk;
                    }
                }
            }
        } finally {
            owner.exit();
        }
    }

    @Override
    public void close() {
        owner.closeCache(this);
    }
}
