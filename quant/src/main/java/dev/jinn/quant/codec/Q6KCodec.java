package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * ggml type Q6_K (id 14): super-blocks of 256 values in 210 bytes, 16 sub-blocks of 16 with int8 scales.
 * <pre>
 * [0,128)   ql[128]     low 4 bits
 * [128,192) qh[64]      high 2 bits, four 2-bit fields per byte
 * [192,208) scales[16]  int8
 * [208,210) f16 d       the super-block scale comes last
 * </pre>
 * Half h (128 values) uses ql[64h..], qh[32h..], scales[8h..]; for l in 0..31 and t = 8h + l/16 the values
 * 128h + l + 32k (k = 0..3) are (d·scales[t+2k])·(q − 32), q being 6 bits (see FORMATS.md).
 * Encoding is ggml's {@code quantize_row_q6_K_ref} ({@code make_qx_quants} per 16 values). Stateless and
 * thread-safe.
 */
public final class Q6KCodec extends BlockCodec {
    static final String NAME = "Q6_K";
    /** Values per super-block. */
    public static final int BLOCK_ELEMENTS = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 210;

    public Q6KCodec() {
        super(NAME, 14, BLOCK_ELEMENTS, BLOCK_BYTES);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        Blocks.decodeChunked(src, offset, blocks, BLOCK_BYTES, BLOCK_ELEMENTS, dst, dstOffset, Q6KCodec::decodeArray);
    }

    /** Decodes {@code blocks} super-blocks from {@code a[p..]}; ranges already checked. */
    static void decodeArray(byte[] a, int p, int blocks, float[] dst, int y0) {
        for (int b = 0; b < blocks; b++, p += BLOCK_BYTES, y0 += BLOCK_ELEMENTS) {
            float d = Float16.toFloat(Blocks.le16(a, p + 208));
            int sc = p + 192;
            for (int h = 0; h < 2; h++) {
                int ql = p + 64 * h;
                int qh = p + 128 + 32 * h;
                int y = y0 + 128 * h;
                for (int half = 0; half < 2; half++) {
                    // l in [16·half, 16·half + 16) shares the scales t = 8h + half (+2k).
                    int t = sc + 8 * h + half;
                    float s1 = d * a[t];
                    float s2 = d * a[t + 2];
                    float s3 = d * a[t + 4];
                    float s4 = d * a[t + 6];
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        int lo = a[ql + l] & 0xFF;
                        int hi = a[ql + 32 + l] & 0xFF;
                        int e = a[qh + l] & 0xFF;
                        dst[y + l] = s1 * (((lo & 0xF) | ((e & 3) << 4)) - 32);
                        dst[y + 32 + l] = s2 * (((hi & 0xF) | (((e >>> 2) & 3) << 4)) - 32);
                        dst[y + 64 + l] = s3 * (((lo >>> 4) | (((e >>> 4) & 3) << 4)) - 32);
                        dst[y + 96 + l] = s4 * (((hi >>> 4) | ((e >>> 6) << 4)) - 32);
                    }
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int blocks) {
        byte[] levels = new byte[256];
        float[] scales = new float[16];
        byte[] block = new byte[BLOCK_BYTES];
        for (int b = 0; b < blocks; b++) {
            quantizeBlock(src, srcOffset + b * BLOCK_ELEMENTS, levels, scales, block);
            MemorySegment.copy(block, 0, dst, ValueLayout.JAVA_BYTE, offset + (long) b * BLOCK_BYTES, BLOCK_BYTES);
        }
    }

    /** One super-block of {@code quantize_row_q6_K_ref}, written into {@code block}. */
    private static void quantizeBlock(float[] x, int xOff, byte[] levels, float[] scales, byte[] block) {
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = KQuants.makeQxQuantsRmse1(16, 32, x, xOff + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            float absScale = Math.abs(scale);
            if (absScale > maxAbsScale) {
                maxAbsScale = absScale;
                maxScale = scale;
            }
        }
        Arrays.fill(block, (byte) 0);
        if (maxAbsScale < KQuants.GROUP_MAX_EPS) {
            return; // all zero, d = 0
        }
        float iscale = -128.0f / maxScale;
        short dBits = Float16.fromFloat(1 / iscale);
        block[208] = (byte) dBits;
        block[209] = (byte) (dBits >>> 8);
        float d = Float16.toFloat(dBits);
        for (int ib = 0; ib < 16; ib++) {
            block[192 + ib] = (byte) Math.min(127, Blocks.nearestInt(iscale * scales[ib]));
        }
        for (int j = 0; j < 16; j++) {
            float dj = d * block[192 + j];
            if (dj == 0.0f) {
                continue; // ggml keeps the levels from the search
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = Blocks.nearestInt(x[xOff + 16 * j + ii] / dj);
                levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
            }
        }
        for (int h = 0; h < 2; h++) {
            int j = 128 * h;
            for (int l = 0; l < 32; l++) {
                int l1 = levels[j + l];
                int l2 = levels[j + l + 32];
                int l3 = levels[j + l + 64];
                int l4 = levels[j + l + 96];
                block[64 * h + l] = (byte) ((l1 & 0xF) | ((l3 & 0xF) << 4));
                block[64 * h + l + 32] = (byte) ((l2 & 0xF) | ((l4 & 0xF) << 4));
                block[128 + 32 * h + l] = (byte) ((l1 >> 4) | ((l2 >> 4) << 2) | ((l3 >> 4) << 4) | ((l4 >> 4) << 6));
            }
        }
    }
}
