package dev.jinn.runtime.gpu;

import dev.jinn.spi.KvCache;

/**
 * One sequence's keys and values in device memory, laid out as {@code runtime-gpu/KERNELS.md} says: per layer
 * {@code [kvHead][capacity][headDim]} for K and for V, elements F16 or F32. Also holds the sequence's captured
 * decode graph (its scratch tensors and this cache are what the graph's kernels point at).
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

    /** Bytes of one layer of K (or V). */
    long layerBytes() {
        return (long) kvHeads * capacity * headDim * elementBytes();
    }

    /** Offset of position {@code pos} of one head of one layer. */
    long offset(int layer, int head, int pos) {
        return layer * layerBytes() + ((long) head * capacity + pos) * headDim * elementBytes();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void copyTo(KvCache target, int length) {
        owner.copyCache(this, target, length);
    }

    @Override
    public long bytesPerPosition() {
        return 2L * layers * kvHeads * headDim * elementBytes();
    }

    @Override
    public byte[] export(int length) {
        return owner.exportCache(this, length);
    }

    @Override
    public void importFrom(byte[] data, int length) {
        owner.importCache(this, data, length);
    }

    @Override
    public void close() {
        owner.closeCache(this);
    }
}
