package dev.jinn.quant.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.spi.QuantCodec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Decodes (and for F16, BF16, Q8_0 encodes) ../shared/data/quant-vectors, made by llama.cpp's reference code. */
class QuantVectorsTest {
    static final Path DIR = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "quant-vectors");

    static float[] floats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        float[] f = new float[bytes.length / 4];
        MemorySegment.copy(MemorySegment.ofArray(bytes),
                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, f, 0, f.length);
        return f;
    }

    static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    @ParameterizedTest
    @CsvSource({"F16, f16", "BF16, bf16", "Q8_0, q8_0", "Q4_K, q4_k", "Q6_K, q6_k"})
    void decodesBitForBit(GgmlType type, String stem) throws IOException {
        QuantCodec codec = QuantCodecs.require(type);
        byte[] blocks = Files.readAllBytes(DIR.resolve(stem + ".blocks.bin"));
        float[] expected = floats(DIR.resolve(stem + ".expected.f32"));
        assertThat((long) blocks.length).isEqualTo(codec.byteSize(expected.length));

        float[] actual = new float[expected.length];
        codec.decode(MemorySegment.ofArray(blocks), 0, actual, 0, expected.length);
        assertThat(bits(actual)).isEqualTo(bits(expected));

        // Block by block, into an offset destination, gives the same values.
        float[] perBlock = new float[expected.length + 7];
        for (int b = 0; b < expected.length / codec.blockElements(); b++) {
            codec.decodeBlock(MemorySegment.ofArray(blocks), (long) b * codec.blockBytes(), perBlock,
                    7 + b * codec.blockElements());
        }
        assertThat(bits(java.util.Arrays.copyOfRange(perBlock, 7, perBlock.length))).isEqualTo(bits(expected));
    }

    @ParameterizedTest
    @CsvSource({"F16, f16", "BF16, bf16", "Q8_0, q8_0"})
    void encodesSourceToTheSameBytesAsLlamaCpp(GgmlType type, String stem) throws IOException {
        QuantCodec codec = QuantCodecs.require(type);
        float[] source = floats(DIR.resolve("source.f32"));
        byte[] expected = Files.readAllBytes(DIR.resolve(stem + ".blocks.bin"));
        byte[] actual = new byte[expected.length];
        codec.encode(source, 0, MemorySegment.ofArray(actual), 0, source.length);
        assertThat(actual).isEqualTo(expected);
    }
}
