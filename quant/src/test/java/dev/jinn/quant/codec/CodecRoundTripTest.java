package dev.jinn.quant.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** encode → decode on seeded random data stays within each codec's quantization error. */
class CodecRoundTripTest {
    static final int N = 256 * 64;

    /** Gaussian values with a per-256 scale drawn over three decades and a few outliers, like real weights. */
    static float[] weights(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[N];
        for (int b = 0; b < N / 256; b++) {
            double scale = Math.pow(10, -3 + 3 * r.nextDouble());
            double mean = r.nextInt(4) == 0 ? scale * (r.nextDouble() - 0.5) : 0;
            for (int i = 0; i < 256; i++) {
                double g = gaussian(r);
                if (r.nextInt(200) == 0) {
                    g *= 8;
                }
                x[b * 256 + i] = (float) (mean + scale * g);
            }
        }
        return x;
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static float[] roundTrip(QuantCodec codec, float[] x) {
        MemorySegment enc = MemorySegment.ofArray(new byte[(int) codec.byteSize(x.length)]);
        codec.encode(x, 0, enc, 0, x.length);
        float[] y = new float[x.length];
        codec.decode(enc, 0, y, 0, x.length);
        return y;
    }

    /**
     * The largest RMSE of a 256-value block relative to that block's RMS. Quantization error scales with the
     * block, so measuring per block keeps quiet blocks honest.
     */
    static double worstRelativeRmse(float[] x, float[] y) {
        double worst = 0;
        for (int b = 0; b < x.length / 256; b++) {
            double se = 0;
            double ss = 0;
            for (int i = b * 256; i < b * 256 + 256; i++) {
                se += (x[i] - (double) y[i]) * (x[i] - (double) y[i]);
                ss += (double) x[i] * x[i];
            }
            worst = Math.max(worst, Math.sqrt(se / ss));
        }
        return worst;
    }

    /** The mean over 256-value blocks of the block's RMSE relative to its RMS. */
    static double meanRelativeRmse(float[] x, float[] y) {
        double sum = 0;
        for (int b = 0; b < x.length / 256; b++) {
            double se = 0;
            double ss = 0;
            for (int i = b * 256; i < b * 256 + 256; i++) {
                se += (x[i] - (double) y[i]) * (x[i] - (double) y[i]);
                ss += (double) x[i] * x[i];
            }
            sum += Math.sqrt(se / ss);
        }
        return sum / (x.length / 256);
    }

    @ParameterizedTest
    @CsvSource({
        // type, bound on the mean and on the worst 256-value block of RMSE / RMS. Measured on this data (3 seeds):
        // mean F16 2.1e-4, BF16 1.65e-3, Q8_0 7.0e-3, Q6_K 2.2e-2, Q5_K 4.1e-2, Q4_K 8.1e-2, Q4_0 1.11e-1;
        // worst F16 2.9e-4, BF16 2.4e-3, Q8_0 1.16e-2, Q6_K 3.8e-2, Q5_K 5.9e-2, Q4_K 1.19e-1, Q4_0 1.73e-1.
        // F16/BF16 worst bounds are the half-ulp limits 2^-11 and 2^-8; the others ~1.15x / 1.25x the measurements.
        "F32, 0, 0", "F16, 2.5e-4, 4.9e-4", "BF16, 1.9e-3, 3.9e-3", "Q8_0, 0.008, 0.0145", "Q6_K, 0.025, 0.047",
        "Q5_K, 0.047, 0.074", "Q4_K, 0.093, 0.15", "Q4_0, 0.128, 0.22"})
    void errorStaysWithinTheCodecsBound(GgmlType type, double meanBound, double worstBound) {
        QuantCodec codec = QuantCodecs.require(type);
        for (long seed = 1; seed <= 3; seed++) {
            float[] x = weights(seed);
            float[] y = roundTrip(codec, x);
            double mean = meanRelativeRmse(x, y);
            assertThat(mean).as("%s seed %d mean", type, seed).isLessThanOrEqualTo(meanBound);
            assertThat(worstRelativeRmse(x, y)).as("%s seed %d worst", type, seed).isLessThanOrEqualTo(worstBound);
            if (meanBound > 0) {
                // A real quantizer, not a copy: something was lost.
                assertThat(mean).isGreaterThan(meanBound / 3);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void encodingIsStableAndZerosStayZero(GgmlType type) {
        QuantCodec codec = QuantCodecs.require(type);
        // Decoding then re-encoding a quantized tensor reproduces it to within one level (ggml's quantizers are not
        // idempotent in general, but must not drift by more).
        float[] x = weights(7);
        float[] y = roundTrip(codec, x);
        float[] z = roundTrip(codec, y);
        assertThat(worstRelativeRmse(y, z)).isLessThanOrEqualTo(worstRelativeRmse(x, y) + 1e-9);

        float[] zeros = new float[codec.blockElements() * 4];
        for (float v : roundTrip(codec, zeros)) {
            assertThat(v == 0.0f).as("%s: zero decodes as %s", type, v).isTrue(); // -0.0 is fine (Q4_0: d = -0/8)
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void nativeAndHeapSegmentsAgreeAndPerBlockCallsMatchBulkCalls(GgmlType type) {
        QuantCodec codec = QuantCodecs.require(type);
        float[] x = weights(11);
        int n = codec.blockElements() * 8;
        byte[] heap = new byte[(int) codec.byteSize(n) + 3];
        codec.encode(x, 5 * codec.blockElements(), MemorySegment.ofArray(heap), 3, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nat = arena.allocate(codec.byteSize(n) + 1);
            for (int b = 0; b < 8; b++) {
                codec.encodeBlock(x, (5 + b) * codec.blockElements(), nat, 1 + (long) b * codec.blockBytes());
            }
            assertThat(nat.asSlice(1).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOfRange(heap, 3, heap.length));
            float[] a = new float[n];
            float[] b = new float[n];
            codec.decode(nat, 1, a, 0, n);
            codec.decode(MemorySegment.ofArray(heap), 3, b, 0, n);
            assertThat(a).isEqualTo(b);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    @org.junit.jupiter.api.Timeout(10)
    void nonFiniteAndHugeInputsEncodeWithoutThrowingOrHanging(GgmlType type) {
        QuantCodec codec = QuantCodecs.require(type);
        float[] x = weights(3);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e38f, -3e38f, 1e-45f};
        for (int i = 0; i < specials.length; i++) {
            x[i * 1000 + 7] = specials[i];
        }
        float[] y = roundTrip(codec, x);
        // Blocks far from the specials still round-trip within the codec's ordinary error.
        float[] xs = java.util.Arrays.copyOfRange(x, 256 * 40, 256 * 48);
        float[] ys = java.util.Arrays.copyOfRange(y, 256 * 40, 256 * 48);
        assertThat(worstRelativeRmse(xs, ys)).isLessThan(0.25);
    }
}
