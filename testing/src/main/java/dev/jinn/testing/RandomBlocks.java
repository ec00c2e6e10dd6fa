package dev.jinn.testing;

import dev.jinn.quant.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Fills tensor data with random values of a chosen standard deviation, writing quantized blocks directly (random
 * codes, random sub-block scales, a super-block scale set for the wanted spread) instead of quantizing random floats.
 * That is what lets a 9 GB 14B-shape file be written in minutes: the cost is one pass of random bytes.
 *
 * <p>Per block type, with q uniform over its codes:
 * <ul>
 *   <li>Q8_0: d·q, q ∈ [−128, 127] (σ_q ≈ 73.9)
 *   <li>Q4_0: d·(q − 8), q ∈ [0, 15] (σ ≈ 4.61); for both, half the scales are negative so the −0.5 mean of
 *       the codes cancels
 *   <li>Q4_K: d·sc·q − dmin·m with m = sc and dmin = 7.5·d, so values are d·sc·(q − 7.5), centred (σ_q ≈ 4.61)
 *   <li>Q5_K: the same with 5-bit q and dmin = 15.5·d (σ_q ≈ 9.23)
 *   <li>Q6_K: d·sc·(q − 32), q ∈ [0, 63] (σ_q ≈ 18.5)
 *   <li>F32, F16, BF16: normal samples
 * </ul>
 * Sub-block scales are drawn from [32, 63] (mean 47.5); headers come from a table of 256 random ones per tensor.
 */
public final class RandomBlocks {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final double MEAN_SCALE = 47.5;
    private static final int HEADERS = 256;

    private final GgmlType type;
    private final double std;
    private final SplittableRandom random;
    private final byte[][] headers;

    /**
     * @param type   the block type to write
     * @param std    the wanted standard deviation of the decoded values
     * @param random the source; results are reproducible for the same seed
     */
    public RandomBlocks(GgmlType type, double std, SplittableRandom random) {
        this.type = type;
        this.std = std;
        this.random = random;
        this.headers = switch (type) {
            case Q8_0, Q4_0 -> singleScaleHeaders(std / (type == GgmlType.Q8_0 ? 73.9 : 4.61));
            case Q4_K -> kHeaders(std / (MEAN_SCALE * 4.61), 7.5);
            case Q5_K -> kHeaders(std / (MEAN_SCALE * 9.23), 15.5);
            case Q6_K -> q6kHeaders(std / (MEAN_SCALE * 18.5));
            case F32, F16, BF16 -> null;
            default -> throw new IllegalArgumentException("no random block writer for " + type);
        };
    }

    /** Writes {@code blocks} blocks at byte {@code offset} of {@code dst}. */
    public void fill(MemorySegment dst, long offset, long blocks) {
        int bb = type.blockBytes();
        switch (type) {
            case F32 -> {
                for (long i = 0; i < blocks; i++) {
                    dst.set(FLOAT, offset + 4 * i, (float) (random.nextGaussian() * std));
                }
                return;
            }
            case F16 -> {
                for (long i = 0; i < blocks; i++) {
                    dst.set(SHORT, offset + 2 * i, Float.floatToFloat16((float) (random.nextGaussian() * std)));
                }
                return;
            }
            case BF16 -> {
                for (long i = 0; i < blocks; i++) {
                    int bits = Float.floatToRawIntBits((float) (random.nextGaussian() * std));
                    dst.set(SHORT, offset + 2 * i, (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
                }
                return;
            }
            default -> { }
        }
        // Random codes everywhere, 8 bytes at a time, then a header from the table over each block's scale fields.
        long bytes = blocks * bb;
        long i = 0;
        for (; i + 8 <= bytes; i += 8) {
            dst.set(LONG, offset + i, random.nextLong());
        }
        for (; i < bytes; i++) {
            dst.set(ValueLayout.JAVA_BYTE, offset + i, (byte) random.nextInt());
        }
        for (long b = 0; b < blocks; b++) {
            byte[] h = headers[random.nextInt(HEADERS)];
            long at = offset + b * bb;
            if (type == GgmlType.Q6_K) {
                MemorySegment.copy(h, 0, dst, ValueLayout.JAVA_BYTE, at + 192, h.length); // scales[16] + d
            } else {
                MemorySegment.copy(h, 0, dst, ValueLayout.JAVA_BYTE, at, h.length);
            }
        }
    }

    private byte[][] singleScaleHeaders(double d) {
        byte[][] t = new byte[HEADERS][];
        for (int i = 0; i < HEADERS; i++) {
            // Half the scales negative: codes are uniform over [-128, 127] or [0, 15] - 8, whose mean is -0.5.
            double sign = (i & 1) == 0 ? 1 : -1;
            short h = Float.floatToFloat16((float) (sign * d * (0.75 + 0.5 * random.nextDouble())));
            t[i] = new byte[] {(byte) h, (byte) (h >> 8)};
        }
        return t;
    }

    /** d, dmin, scales[12] for Q4_K/Q5_K with m = sc so that values are centred. */
    private byte[][] kHeaders(double d, double centre) {
        byte[][] t = new byte[HEADERS][];
        for (int i = 0; i < HEADERS; i++) {
            double di = d * (0.75 + 0.5 * random.nextDouble());
            short hd = Float.floatToFloat16((float) di);
            short hm = Float.floatToFloat16((float) (di * centre));
            int[] sc = new int[8];
            for (int j = 0; j < 8; j++) {
                sc[j] = 32 + random.nextInt(32);
            }
            byte[] h = new byte[16];
            h[0] = (byte) hd;
            h[1] = (byte) (hd >> 8);
            h[2] = (byte) hm;
            h[3] = (byte) (hm >> 8);
            for (int j = 0; j < 4; j++) {
                h[4 + j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);          // scale j, high bits of scale j+4
                h[4 + j + 4] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);      // min j (= scale j), high bits of min j+4
                h[4 + j + 8] = (byte) ((sc[j + 4] & 0xF) | (sc[j + 4] & 0xF) << 4); // low bits of scale/min j+4
            }
            t[i] = h;
        }
        return t;
    }

    /** scales[16] (int8) then d, the last 18 bytes of a Q6_K block. */
    private byte[][] q6kHeaders(double d) {
        byte[][] t = new byte[HEADERS][];
        for (int i = 0; i < HEADERS; i++) {
            byte[] h = new byte[18];
            for (int j = 0; j < 16; j++) {
                h[j] = (byte) (32 + random.nextInt(32));
            }
            short hd = Float.floatToFloat16((float) (d * (0.75 + 0.5 * random.nextDouble())));
            h[16] = (byte) hd;
            h[17] = (byte) (hd >> 8);
            t[i] = h;
        }
        return t;
    }
}
