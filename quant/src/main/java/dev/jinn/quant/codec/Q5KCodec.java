package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * ggml type Q5_K (id 13): super-blocks of 256 values in 176 bytes, 8 sub-blocks of 32 with 6-bit scales and mins.
 * <pre>
 * [0,2)     f16 d       multiplies the sub-block scales
 * [2,4)     f16 dmin    multiplies the sub-block mins
 * [4,16)    scales[12]  packed as in Q4_K
 * [16,48)   qh[32]      5th bits: for group g (64 values), bit 2g of qh[l] is value 64g+l, bit 2g+1 is 64g+32+l
 * [48,176)  qs[128]     low 4 bits, laid out as Q4_K's qs
 * </pre>
 * value = (d·sc)·q − (dmin·m) with q in [0, 31]. Encoding is ggml's {@code quantize_row_q5_K_ref}.
 * Stateless and thread-safe.
 */
public final class Q5KCodec extends BlockCodec {
    static final String NAME = "Q5_K";
    /** Values per super-block. */
    public static final int BLOCK_ELEMENTS = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 176;

    public Q5KCodec() {
        super(NAME, 13, BLOCK_ELEMENTS, BLOCK_BYTES);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int blocks) {
        Blocks.decodeChunked(src, offset, blocks, BLOCK_BYTES, BLOCK_ELEMENTS, dst, dstOffset, Q5KCodec::decodeArray);
    }

    /** Decodes {@code blocks} super-blocks from {@code a[p..]}; ranges already checked. */
    static void decodeArray(byte[] a, int p, int blocks, float[] dst, int y) {
        for (int b = 0; b < blocks; b++, p += BLOCK_BYTES) {
            float d = Float16.toFloat(Blocks.le16(a, p));
            float dmin = Float16.toFloat(Blocks.le16(a, p + 2));
            int qh = p + 16;
            int ql = p + 48;
            for (int g = 0; g < 4; g++, ql += 32, y += 64) {
                float d1 = d * KQuants.scale(a, p + 4, 2 * g);
                float m1 = dmin * KQuants.min(a, p + 4, 2 * g);
                float d2 = d * KQuants.scale(a, p + 4, 2 * g + 1);
                float m2 = dmin * KQuants.min(a, p + 4, 2 * g + 1);
                int s1 = 2 * g;
                int s2 = 2 * g + 1;
                for (int l = 0; l < 32; l++) {
                    dst[y + l] = d1 * ((a[ql + l] & 0xF) | (((a[qh + l] >>> s1) & 1) << 4)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[y + 32 + l] = d2 * (((a[ql + l] & 0xFF) >>> 4) | (((a[qh + l] >>> s2) & 1) << 4)) - m2;
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int blocks) {
        KQuantEncoder enc = new KQuantEncoder(31, -0.5f, 0.1f, 15);
        byte[] qh = new byte[32];
        byte[] ql = new byte[128];
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BLOCK_BYTES;
            enc.quantize(src, srcOffset + b * BLOCK_ELEMENTS);
            byte[] levels = enc.levels;
            Arrays.fill(qh, (byte) 0);
            for (int g = 0; g < 4; g++) {
                for (int j = 0; j < 32; j++) {
                    int l1 = levels[64 * g + j];
                    if (l1 > 15) {
                        l1 -= 16;
                        qh[j] |= (byte) (1 << (2 * g));
                    }
                    int l2 = levels[64 * g + 32 + j];
                    if (l2 > 15) {
                        l2 -= 16;
                        qh[j] |= (byte) (2 << (2 * g));
                    }
                    ql[32 * g + j] = (byte) (l1 | (l2 << 4));
                }
            }
            Blocks.put16(dst, o, enc.d);
            Blocks.put16(dst, o + 2, enc.dmin);
            MemorySegment.copy(enc.scales, 0, dst, ValueLayout.JAVA_BYTE, o + 4, 12);
            MemorySegment.copy(qh, 0, dst, ValueLayout.JAVA_BYTE, o + 16, 32);
            MemorySegment.copy(ql, 0, dst, ValueLayout.JAVA_BYTE, o + 48, 128);
        }
    }
}
