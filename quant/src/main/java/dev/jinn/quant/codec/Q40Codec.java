package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import java.lang.foreign.MemorySegment;

/**
 * ggml type Q4_0 (id 2): blocks of 32 values in 18 bytes, {@code [f16 d][qs × 16]}. Byte j holds value j in its low
 * nibble and value j+16 in its high nibble; value = (q − 8)·d. Encoding is ggml's {@code quantize_row_q4_0_ref}:
 * d = m/−8 where m is the value of largest magnitude (sign kept), q = min(15, trunc(x/d + 8.5)).
 * Stateless and thread-safe.
 */
public final class Q40Codec extends BlockCodec {
    static final String NAME = "Q4_0";
    /** Values per block. */
    public static final int BLOCK_ELEMENTS = 32;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = 18;

    public Q40Codec() {
        super(NAME, 2, BLOCK_ELEMENTS, BLOCK_BYTES);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        Blocks.decodeChunked(src, offset, blocks, BLOCK_BYTES, BLOCK_ELEMENTS, dst, dstOffset, Q40Codec::decodeArray);
    }

    /** Decodes {@code blocks} blocks from {@code a[p..]}; ranges already checked. */
    static void decodeArray(byte[] a, int p, int blocks, float[] dst, int y) {
        for (int b = 0; b < blocks; b++, p += BLOCK_BYTES, y += BLOCK_ELEMENTS) {
            float d = Float16.toFloat(Blocks.le16(a, p));
            for (int j = 0; j < 16; j++) {
                int q = a[p + 2 + j] & 0xFF;
                dst[y + j] = ((q & 0x0F) - 8) * d;
                dst[y + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    @Override
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BLOCK_BYTES;
            int x = srcOffset + b * BLOCK_ELEMENTS;
            float amax = 0.0f;
            float max = 0.0f;
            for (int j = 0; j < BLOCK_ELEMENTS; j++) {
                float v = src[x + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0.0f ? 1.0f / d : 0.0f;
            Blocks.put16(dst, o, Float16.fromFloat(d));
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(15, (byte) (int) (src[x + j] * id + 8.5f));
                int q1 = Math.min(15, (byte) (int) (src[x + j + 16] * id + 8.5f));
                Blocks.put8(dst, o + 2 + j, (q0 & 0xFF) | ((q1 & 0xFF) << 4));
            }
        }
    }
}
