package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml type Q4_K (id 12): super-blocks of 256 values in 144 bytes, 8 sub-blocks of 32 with 6-bit scales and mins.
 * <pre>
 * [0,2)    f16 d       multiplies the sub-block scales
 * [2,4)    f16 dmin    multiplies the sub-block mins
 * [4,16)   scales[12]  8 scales and 8 mins, 6 bits each (see {@link KQuants#scale}, {@link KQuants#min})
 * [16,144) qs[128]     4-bit levels; group g (64 values) uses qs[32g..32g+31]: low nibbles first, then high
 * </pre>
 * value = (d·sc)·q − (dmin·m). Encoding is ggml's {@code quantize_row_q4_K_ref} ({@code make_qkx2_quants} per
 * sub-block, then 6-bit scales relative to the largest). Stateless and thread-safe.
 */
public final class Q4KCodec extends BlockCodec {
    static final String NAME = "Q4_K";
    /** Values per super-block. */
    public static final int BLOCK_ELEMENTS = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 144;

    public Q4KCodec() {
        super(NAME, 12, BLOCK_ELEMENTS, BLOCK_BYTES);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        Blocks.decodeChunked(src, offset, blocks, BLOCK_BYTES, BLOCK_ELEMENTS, dst, dstOffset, Q4KCodec::decodeArray);
    }

    /** Decodes {@code blocks} super-blocks from {@code a[p..]}; ranges already checked. */
    static void decodeArray(byte[] a, int p, int blocks, float[] dst, int y) {
        for (int b = 0; b < blocks; b++, p += BLOCK_BYTES) {
            float d = Float16.toFloat(Blocks.le16(a, p));
            float dmin = Float16.toFloat(Blocks.le16(a, p + 2));
            int q = p + 16;
            for (int g = 0; g < 4; g++, q += 32, y += 64) {
                float d1 = d * KQuants.scale(a, p + 4, 2 * g);
                float m1 = dmin * KQuants.min(a, p + 4, 2 * g);
                float d2 = d * KQuants.scale(a, p + 4, 2 * g + 1);
                float m2 = dmin * KQuants.min(a, p + 4, 2 * g + 1);
                for (int l = 0; l < 32; l++) {
                    dst[y + l] = d1 * (a[q + l] & 0xF) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[y + 32 + l] = d2 * ((a[q + l] & 0xFF) >>> 4) - m2;
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int blocks) {
        KQuantEncoder enc = new KQuantEncoder(15, -1.0f, 0.1f, 20);
        byte[] block = new byte[BLOCK_BYTES];
        for (int b = 0; b < blocks; b++) {
            enc.quantize(src, srcOffset + b * BLOCK_ELEMENTS);
            block[0] = (byte) enc.d;
            block[1] = (byte) (enc.d >>> 8);
            block[2] = (byte) enc.dmin;
            block[3] = (byte) (enc.dmin >>> 8);
            System.arraycopy(enc.scales, 0, block, 4, 12);
            byte[] levels = enc.levels;
            for (int g = 0; g < 4; g++) {
                for (int l = 0; l < 32; l++) {
                    block[16 + 32 * g + l] = (byte) (levels[64 * g + l] | (levels[64 * g + 32 + l] << 4));
                }
            }
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_BYTE, offset + (long) b * BLOCK_BYTES, BLOCK_BYTES);
        }
    }
}
