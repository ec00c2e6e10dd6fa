package dev.jinn.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.JinnException;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class QuantizerTest {
    static final Path F16_FILE =
            Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "golden", "golden-f16.gguf");

    @Test
    void convertsAnF16MatrixRowByRowLikeEncodingTheWholeTensor() {
        try (GgufFile f = GgufFile.open(F16_FILE)) {
            GgufTensorInfo t = f.requireTensor("blk.0.attn_k.weight");
            assertThat(t.type()).isEqualTo(GgmlType.F16);
            float[] x = Quantizer.decodeAll(GgmlType.F16, f.data(t), t.elementCount());
            for (GgmlType to : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.BF16}) {
                QuantCodec codec = QuantCodecs.require(to);
                byte[] expected = new byte[(int) codec.byteSize(x.length)];
                codec.encode(x, 0, MemorySegment.ofArray(expected), 0, x.length);
                byte[] actual = new byte[(int) Quantizer.byteSize(to, t.rowLength(), t.rows())];
                Quantizer.convert(GgmlType.F16, f.data(t), to, MemorySegment.ofArray(actual), t.rowLength(),
                        t.rows());
                assertThat(actual).as("%s", to).isEqualTo(expected);
                // Three threads over a shared copy write the same bytes.
                try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
                    MemorySegment src = arena.allocate(f.data(t).byteSize());
                    src.copyFrom(f.data(t));
                    MemorySegment out = arena.allocate(actual.length);
                    Quantizer.convert(GgmlType.F16, src, to, out, t.rowLength(), t.rows(), 3);
                    assertThat(out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).as("%s threaded", to)
                            .isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aFailureOnAWorkerThreadReachesTheCaller() {
        try (java.lang.foreign.Arena confined = java.lang.foreign.Arena.ofConfined()) {
            // A confined segment cannot be read from the worker threads: the WrongThreadException comes back.
            MemorySegment src = confined.allocate(4 * 256 * 8);
            assertThatThrownBy(() -> Quantizer.convert(GgmlType.F32, src, GgmlType.Q8_0,
                    MemorySegment.ofArray(new byte[34 * 8 * 8]), 256, 8, 2))
                    .isInstanceOf(WrongThreadException.class);
        }
        assertThatThrownBy(() -> Quantizer.convert(GgmlType.F32, MemorySegment.ofArray(new byte[1024]),
                GgmlType.Q8_0, MemorySegment.ofArray(new byte[34 * 8]), 256, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
    }

    @Test
    void decodesBlockAlignedRanges() {
        float[] x = new float[1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.37);
        }
        QuantCodec q4k = QuantCodecs.require(GgmlType.Q4_K);
        MemorySegment data = MemorySegment.ofArray(new byte[(int) q4k.byteSize(1024)]);
        q4k.encode(x, 0, data, 0, 1024);
        float[] all = Quantizer.decodeAll(GgmlType.Q4_K, data, 1024);
        float[] part = new float[512];
        Quantizer.decodeElements(GgmlType.Q4_K, data, 256, part, 0, 512);
        assertThat(part).isEqualTo(Arrays.copyOfRange(all, 256, 768));
    }

    @Test
    void rejectsMisalignedShortAndOversizedInput() {
        MemorySegment data = MemorySegment.ofArray(new byte[144 * 4]);
        float[] out = new float[1024];
        assertThatThrownBy(() -> Quantizer.decodeElements(GgmlType.Q4_K, data, 100, out, 0, 256))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block boundary");
        assertThatThrownBy(() -> Quantizer.decodeElements(GgmlType.Q4_K, data, 0, out, 0, 300))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 300)");
        assertThatThrownBy(() -> Quantizer.decodeElements(GgmlType.Q4_K, data, 768, out, 0, 512))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("holds 576 bytes");
        assertThatThrownBy(() -> Quantizer.decodeAll(GgmlType.Q4_K, data, 768))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("432 bytes");
        assertThatThrownBy(() -> Quantizer.decodeAll(GgmlType.F32, MemorySegment.NULL.reinterpret(16L << 30),
                4L << 30)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
        assertThatThrownBy(() -> Quantizer.decodeAll(GgmlType.IQ2_XS, data, 256))
                .isInstanceOf(JinnException.class).hasMessageContaining("supported types");

        assertThatThrownBy(() -> Quantizer.convert(GgmlType.F32, data, GgmlType.Q4_K,
                MemorySegment.ofArray(new byte[1000]), 32, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q4_K: rows of 32 values");
        assertThatThrownBy(() -> Quantizer.convert(GgmlType.F32, data, GgmlType.Q8_0,
                MemorySegment.ofArray(new byte[1000]), 256, 4))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("source holds 576 bytes");
        assertThatThrownBy(() -> Quantizer.convert(GgmlType.F32, MemorySegment.ofArray(new byte[4096]),
                GgmlType.Q8_0, MemorySegment.ofArray(new byte[10]), 256, 4))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("destination holds 10 bytes");
    }
}
