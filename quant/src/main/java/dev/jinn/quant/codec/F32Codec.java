package dev.jinn.quant.codec;

import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;

/** ggml type F32 (id 0): little-endian IEEE binary32, one value per "block". Stateless and thread-safe. */
public final class F32Codec implements QuantCodec {
    static final String NAME = "F32";

    @Override
    public int ggmlType() {
        return 0;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int blockElements() {
        return 1;
    }

    @Override
    public int blockBytes() {
        return 4;
    }

    @Override
    public void decodeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        decode(src, offset, dst, dstOffset, 1);
    }

    @Override
    public void encodeBlock(float[] src, int srcOffset, MemorySegment dst, long offset) {
        encode(src, srcOffset, dst, offset, 1);
    }

    @Override
    public void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int elements) {
        Blocks.blocks(NAME, elements, 1);
        Blocks.checkSegment(NAME, src, offset, elements, 4);
        Blocks.checkArray(NAME, "destination", dst, dstOffset, elements);
        MemorySegment.copy(src, Blocks.LE_FLOAT, offset, dst, dstOffset, elements);
    }

    @Override
    public void encode(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        Blocks.blocks(NAME, elements, 1);
        Blocks.checkArray(NAME, "source", src, srcOffset, elements);
        Blocks.checkSegment(NAME, dst, offset, elements, 4);
        MemorySegment.copy(src, srcOffset, dst, Blocks.LE_FLOAT, offset, elements);
    }
}
