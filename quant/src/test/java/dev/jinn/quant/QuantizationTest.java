package dev.jinn.quant;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuantizationTest {
    private static final long[] MATRIX = {5120, 5120};

    @Test
    void q4KmGivesQ6KToOutputAndSomeAttnVAndFfnDownLayers() {
        Quantization q = Quantization.Q4_K_M;
        assertThat(q.typeFor("output.weight", new long[] {5120, 152064}, 48, true)).isEqualTo(GgmlType.Q6_K);
        assertThat(q.typeFor("token_embd.weight", new long[] {5120, 152064}, 48, true)).isEqualTo(GgmlType.Q4_K);
        assertThat(q.typeFor("token_embd.weight", new long[] {5120, 152064}, 48, false)).isEqualTo(GgmlType.Q6_K);
        assertThat(q.typeFor("blk.0.attn_norm.weight", new long[] {5120}, 48, true)).isEqualTo(GgmlType.F32);
        assertThat(q.typeFor("blk.0.attn_q.bias", new long[] {5120}, 48, true)).isEqualTo(GgmlType.F32);
        // use_more_bits(i, 48): i < 6, i >= 42, or (i - 6) % 3 == 2.
        int q6 = 0;
        for (int i = 0; i < 48; i++) {
            GgmlType v = q.typeFor("blk." + i + ".attn_v.weight", new long[] {5120, 1024}, 48, true);
            boolean more = i < 6 || i >= 42 || (i - 6) % 3 == 2;
            assertThat(v).as("layer %d", i).isEqualTo(more ? GgmlType.Q6_K : GgmlType.Q4_K);
            assertThat(q.typeFor("blk." + i + ".ffn_down.weight", new long[] {13824, 5120}, 48, true)).isEqualTo(v);
            assertThat(q.typeFor("blk." + i + ".attn_q.weight", MATRIX, 48, true)).isEqualTo(GgmlType.Q4_K);
            q6 += more ? 1 : 0;
        }
        assertThat(q6).isEqualTo(24);
    }

    @Test
    void goldenTwoLayerMixMatchesTheGoldenFile() {
        // The golden README: Q6_K for output.weight, one attn_v and one ffn_down (layer 1 of 2).
        Quantization q = Quantization.Q4_K_M;
        assertThat(q.typeFor("blk.0.attn_v.weight", new long[] {512, 256}, 2, true)).isEqualTo(GgmlType.Q4_K);
        assertThat(q.typeFor("blk.1.attn_v.weight", new long[] {512, 256}, 2, true)).isEqualTo(GgmlType.Q6_K);
        assertThat(q.typeFor("blk.1.ffn_down.weight", new long[] {1024, 512}, 2, true)).isEqualTo(GgmlType.Q6_K);
    }

    @Test
    void rowsThatAreNotWholeSuperBlocksFallBack() {
        assertThat(Quantization.Q4_K_M.typeFor("blk.0.attn_q.weight", new long[] {64, 64}, 5, true)).isEqualTo(GgmlType.Q8_0);
        assertThat(Quantization.Q4_K_M.typeFor("output.weight", new long[] {64, 512}, 5, true)).isEqualTo(GgmlType.Q8_0);
        assertThat(Quantization.Q8_0.typeFor("blk.0.ffn_down.weight", new long[] {172, 64}, 5, true)).isEqualTo(GgmlType.F16);
        assertThat(Quantization.BF16.typeFor("output.weight", new long[] {64, 512}, 5, true)).isEqualTo(GgmlType.BF16);
        assertThat(Quantization.Q8_0.typeFor("output.weight", MATRIX, 5, true)).isEqualTo(GgmlType.Q8_0);
    }

    @Test
    void namesAndFileTypes() {
        assertThat(Quantization.byName("q4_k_m")).contains(Quantization.Q4_K_M);
        assertThat(Quantization.byName("nope")).isEmpty();
        assertThat(Quantization.byFileType(15)).contains(Quantization.Q4_K_M);
        assertThat(Quantization.byFileType(7)).contains(Quantization.Q8_0);
    }
}
