package dev.jinn.quant.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.Float16;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Q4_0 and Q5_K have no llama.cpp vectors in shared/data: their decoders are checked on blocks built by hand and
 * against an independent transcription of ggml's loops, and Q5_K is tied to the Q4_K vectors.
 */
class HandBuiltBlocksTest {
    @Test
    void q40DecodesNibblesAroundEight() {
        byte[] block = new byte[18];
        block[0] = 0x00;
        block[1] = 0x38; // f16 0.5
        for (int j = 0; j < 16; j++) {
            block[2 + j] = (byte) (j | ((15 - j) << 4));
        }
        float[] y = new float[32];
        new Q40Codec().decodeBlock(MemorySegment.ofArray(block), 0, y, 0);
        for (int j = 0; j < 16; j++) {
            assertThat(y[j]).isEqualTo((j - 8) * 0.5f);
            assertThat(y[j + 16]).isEqualTo((7 - j) * 0.5f);
        }
    }

    @Test
    void q40AndQ80RepresentTheirIntegerGridsExactly() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j * 7) % 16 - 8; // -8..7, includes -8 so d = 1
        }
        float[] y = new float[32];
        byte[] block = new byte[18];
        Q40Codec q40 = new Q40Codec();
        q40.encodeBlock(x, 0, MemorySegment.ofArray(block), 0);
        q40.decodeBlock(MemorySegment.ofArray(block), 0, y, 0);
        assertThat(y).isEqualTo(x);
        assertThat(Float16.toFloat((short) ((block[0] & 0xFF) | (block[1] << 8)))).isEqualTo(1.0f);

        for (int j = 0; j < 32; j++) {
            x[j] = 127 - 8 * j; // 127 .. -121
        }
        byte[] q8 = new byte[34];
        Q80Codec q80 = new Q80Codec();
        q80.encodeBlock(x, 0, MemorySegment.ofArray(q8), 0);
        q80.decodeBlock(MemorySegment.ofArray(q8), 0, y, 0);
        assertThat(y).isEqualTo(x);
    }

    @Test
    void q80RoundsHalvesAwayFromZeroLikeRoundf() {
        assertThat(Q80Codec.roundHalfAway(2.5f)).isEqualTo(3);
        assertThat(Q80Codec.roundHalfAway(-2.5f)).isEqualTo(-3);
        assertThat(Q80Codec.roundHalfAway(0.49999997f)).isEqualTo(0);
        assertThat(Q80Codec.roundHalfAway(-0.5f)).isEqualTo(-1);
    }

    /** ggml's get_scale_min_k4, transcribed again here so the test does not lean on the codec's helper. */
    static int[] scaleMin(byte[] b, int base, int j) {
        int[] q = new int[12];
        for (int i = 0; i < 12; i++) {
            q[i] = b[base + i] & 0xFF;
        }
        if (j < 4) {
            return new int[] {q[j] & 63, q[j + 4] & 63};
        }
        return new int[] {(q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)};
    }

    /** ggml's dequantize_row_q5_K for one block, transcribed with its pointer walk. */
    static float[] referenceQ5K(byte[] b) {
        float d = Float16.toFloat((short) ((b[0] & 0xFF) | (b[1] << 8)));
        float min = Float16.toFloat((short) ((b[2] & 0xFF) | (b[3] << 8)));
        float[] y = new float[256];
        int yi = 0;
        int ql = 48;
        int is = 0;
        int u1 = 1;
        int u2 = 2;
        for (int j = 0; j < 256; j += 64) {
            int[] sm = scaleMin(b, 4, is);
            float d1 = d * sm[0];
            float m1 = min * sm[1];
            sm = scaleMin(b, 4, is + 1);
            float d2 = d * sm[0];
            float m2 = min * sm[1];
            for (int l = 0; l < 32; l++) {
                y[yi++] = d1 * ((b[ql + l] & 0xF) + ((b[16 + l] & u1) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[yi++] = d2 * (((b[ql + l] & 0xFF) >> 4) + ((b[16 + l] & u2) != 0 ? 16 : 0)) - m2;
            }
            ql += 32;
            is += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
        return y;
    }

    @Test
    void q5kWithoutHighBitsDecodesLikeQ4kVectors() throws IOException {
        byte[] q4 = Files.readAllBytes(QuantVectorsTest.DIR.resolve("q4_k.blocks.bin"));
        float[] expected = QuantVectorsTest.floats(QuantVectorsTest.DIR.resolve("q4_k.expected.f32"));
        int blocks = q4.length / 144;
        byte[] q5 = new byte[blocks * 176];
        for (int b = 0; b < blocks; b++) {
            System.arraycopy(q4, b * 144, q5, b * 176, 16); // d, dmin, scales
            System.arraycopy(q4, b * 144 + 16, q5, b * 176 + 48, 128); // qs; qh stays 0
        }
        float[] y = new float[blocks * 256];
        new Q5KCodec().decode(MemorySegment.ofArray(q5), 0, y, 0, y.length);
        assertThat(QuantVectorsTest.bits(y)).isEqualTo(QuantVectorsTest.bits(expected));
    }

    @Test
    void q5kMatchesATranscriptionOfGgmlsLoopOnRandomBlocks() {
        SplittableRandom r = new SplittableRandom(5);
        Q5KCodec codec = new Q5KCodec();
        for (int t = 0; t < 200; t++) {
            byte[] b = new byte[176];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) r.nextInt(256);
            }
            // Small finite d and dmin (exponent 5..12), random sign and mantissa.
            for (int k = 0; k < 2; k++) {
                int h = (r.nextInt(2) << 15) | ((5 + r.nextInt(8)) << 10) | r.nextInt(1024);
                b[2 * k] = (byte) h;
                b[2 * k + 1] = (byte) (h >> 8);
            }
            float[] y = new float[256];
            codec.decodeBlock(MemorySegment.ofArray(b), 0, y, 0);
            assertThat(QuantVectorsTest.bits(y)).isEqualTo(QuantVectorsTest.bits(referenceQ5K(b)));
        }
    }
}
