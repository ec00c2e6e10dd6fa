package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;

/**
 * ggml type F16 (id 1): little-endian IEEE binary16, one value per "block". Decoding is exact (subnormals, infinities
 * and NaN included); encoding rounds to nearest, ties to even, as ggml does. Stateless and thread-safe.
 */
public final class F16Codec implements QuantCodec {
    static final String NAME = "F16";

    @Override
    public int ggmlType() {
        return 1;
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
        return 2;
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
        Blocks.checkSegment(NAME, src, offset, elements, 2);
        Blocks.checkArray(NAME, "destination", dst, dstOffset, elements);
        short[] buf = new short[Math.min(elements, Blocks.CHUNK_BYTES / 2)];
        for (int i = 0; i < elements; i += buf.length) {
            int n = Math.min(buf.length, elements - i);
            MemorySegment.copy(src, Blocks.LE_SHORT, offset + 2L * i, buf, 0, n);
            for (int k = 0; k < n; k++) {
                short s = buf[k];
                dst[dstOffset + i + k] = Float16.toFloat(s);
            }
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        Blocks.blocks(NAME, elements, 1);
        Blocks.checkArray(NAME, "source", src, srcOffset, elements);
        Blocks.checkSegment(NAME, dst, offset, elements, 2);
        for (int i = 0; i < elements; i++) {
            Blocks.put16(dst, offset + 2L * i, Float16.fromFloat(src[srcOffset + i]));
        }
    }
}
