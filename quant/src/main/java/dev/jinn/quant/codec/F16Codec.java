package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import java.lang.foreign.MemorySegment;

/**
 * ggml type F16 (id 1): little-endian IEEE binary16, one value per "block". Decoding is exact (subnormals, infinities
 * and NaN included); encoding rounds to nearest, ties to even, as ggml does. Stateless and thread-safe.
 */
public final class F16Codec extends BlockCodec {
    static final String NAME = "F16";

    public F16Codec() {
        super(NAME, 1, 1, 2);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int elements) {
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
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        for (int i = 0; i < elements; i++) {
            Blocks.put16(dst, offset + 2L * i, Float16.fromFloat(src[srcOffset + i]));
        }
    }
}
