package dev.jinn.quant.codec;

import java.lang.foreign.MemorySegment;

/** ggml type F32 (id 0): little-endian IEEE binary32, one value per "block". Stateless and thread-safe. */
public final class F32Codec extends BlockCodec {
    static final String NAME = "F32";

    public F32Codec() {
        super(NAME, 0, 1, 4);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int elements) {
        MemorySegment.copy(src, Blocks.LE_FLOAT, offset, dst, dstOffset, elements);
    }

    @Override
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        MemorySegment.copy(src, srcOffset, dst, Blocks.LE_FLOAT, offset, elements);
    }
}
