package dev.jinn.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Float16Test {
    /** binary16 to float from the definition: (−1)^s · 2^(e−15) · 1.m, or 2^−14 · 0.m for subnormals. */
    static float reference(int h) {
        int sign = (h >>> 15) & 1;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        double v;
        if (exp == 0) {
            v = mant * Math.pow(2, -24);
        } else if (exp == 31) {
            return mant == 0 ? (sign == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY) : Float.NaN;
        } else {
            v = (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        }
        return (float) (sign == 0 ? v : -v);
    }

    @Test
    void decodesEveryHalfExactly() {
        for (int h = 0; h < 0x10000; h++) {
            float expected = reference(h);
            float actual = Float16.toFloat((short) h);
            if (Float.isNaN(expected)) {
                assertThat(actual).as("0x%04x", h).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(actual)).as("0x%04x", h)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
        assertThat(Float16.toFloat((short) 0x0001)).isEqualTo(0x1p-24f); // smallest subnormal
        assertThat(Float16.toFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(Float16.toFloat((short) 0x8000)).isEqualTo(-0.0f);
    }

    @Test
    void everyHalfSurvivesARoundTripAndTiesGoToEven() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) {
                assertThat(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float16.toFloat((short) h))))).isTrue();
                continue;
            }
            float f = Float16.toFloat((short) h);
            assertThat(Float16.fromFloat(f) & 0xFFFF).as("0x%04x", h).isEqualTo(h);
            // The midpoint to the next half (same sign, finite) rounds to the one with an even mantissa.
            if ((h & 0x7FFF) < 0x7BFF) {
                float next = Float16.toFloat((short) (h + 1));
                float mid = (float) (((double) f + next) / 2);
                int even = (h & 1) == 0 ? h : h + 1;
                assertThat(Float16.fromFloat(mid) & 0xFFFF).as("mid 0x%04x", h).isEqualTo(even);
                assertThat(Float16.fromFloat(Math.nextUp(Math.abs(mid)) * Math.signum(f == 0 ? 1 : f)) & 0x7FFF)
                        .as("above mid 0x%04x", h).isEqualTo((h + 1) & 0x7FFF);
            }
        }
    }

    @Test
    void overflowUnderflowAndSpecials() {
        assertThat(Float16.fromFloat(65519.99f)).isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7C00); // tie at the top rounds to infinity
        assertThat(Float16.fromFloat(1e10f)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(-1e10f)).isEqualTo((short) 0xFC00);
        assertThat(Float16.fromFloat(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(0x1p-25f)).isEqualTo((short) 0); // tie with zero: even
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).isEqualTo((short) 1);
        assertThat(Float16.fromFloat(-1e-30f)).isEqualTo((short) 0x8000);
        assertThat(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN)))).isTrue();
    }

    @Test
    void bf16RoundsToNearestEvenLikeGgml() {
        assertThat(Float16.floatToBf16(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(Float16.floatToBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80); // tie, even
        assertThat(Float16.floatToBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82); // tie, up
        assertThat(Float16.floatToBf16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
        assertThat(Float16.floatToBf16(Float.intBitsToFloat(0x7F7FFFFF))).isEqualTo((short) 0x7F80); // to inf
        assertThat(Float16.floatToBf16(Float.intBitsToFloat(0x00000001))).isEqualTo((short) 0); // not flushed: rounds
        assertThat(Float16.floatToBf16(Float.intBitsToFloat(0x00018000))).isEqualTo((short) 0x0002);
        // A signalling NaN whose payload lives in the low bits stays NaN (made quiet), never infinity.
        short nan = Float16.floatToBf16(Float.intBitsToFloat(0xFF800001));
        assertThat(nan).isEqualTo((short) 0xFFC0);
        assertThat(Float16.bf16ToFloat(nan)).isNaN();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f)) {
                continue;
            }
            float back = Float16.bf16ToFloat(Float16.floatToBf16(f));
            if (Float.isFinite(back)) {
                // Nearest: no other bf16 value is strictly closer.
                float ulp = Math.ulp(back) * 65536;
                assertThat((double) Math.abs(back - f)).isLessThanOrEqualTo(ulp / 2.0 * 1.0000001 + 1e-45);
            }
        }
    }
}
