package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import java.lang.foreign.MemorySegment;

/**
 * ggml type Q8_0 (id 8): blocks of 32 values in 34 bytes, {@code [f16 d][int8 q × 32]}, value j = q[j]·d.
 * Encoding is ggml's {@code quantize_row_q8_0_ref}: d = max|x|/127, q = round-half-away(x/d).
 * Stateless and thread-safe.
 */
public final class Q80Codec extends BlockCodec {
    static final String NAME = "Q8_0";
    /** Values per block. */
    public static final int BLOCK_ELEMENTS = 32;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = 34;

    public Q80Codec() {
        super(NAME, 8, BLOCK_ELEMENTS, BLOCK_BYTES);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        Blocks.decodeChunked(src, offset, blocks, BLOCK_BYTES, BLOCK_ELEMENTS, dst, dstOffset, Q80Codec::decodeArray);
    }

    /** Decodes {@code blocks} blocks from {@code a[p..]}; ranges already checked. */
    static void decodeArray(byte[] a, int p, int blocks, float[] dst, int y) {
        for (int b = 0; b < blocks; b++, p += BLOCK_BYTES, y += BLOCK_ELEMENTS) {
            float d = Float16.toFloat(Blocks.le16(a, p));
            for (int j = 0; j < BLOCK_ELEMENTS; j++) {
                dst[y + j] = a[p + 2 + j] * d;
            }
        }
    }

    @Override
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BLOCK_BYTES;
            int x = srcOffset + b * BLOCK_ELEMENTS;
            float amax = 0.0f;
            for (int j = 0; j < BLOCK_ELEMENTS; j++) {
                float a = Math.abs(src[x + j]);
                amax = amax > a ? amax : a; // C's MAX macro, also for NaN
            }
            float d = amax / 127;
            float id = d != 0.0f ? 1.0f / d : 0.0f;
            Blocks.put16(dst, o, Float16.fromFloat(d));
            for (int j = 0; j < BLOCK_ELEMENTS; j++) {
                Blocks.put8(dst, o + 2 + j, roundHalfAway(src[x + j] * id));
            }
        }
    }

    /** C's {@code roundf} then the conversion to int8: halves round away from zero. */
    static int roundHalfAway(float v) {
        // In double, |v| + 0.5 is exact for every float that can round into int8's range.
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }
}
