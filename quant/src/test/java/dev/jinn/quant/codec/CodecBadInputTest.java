package dev.jinn.quant.codec;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Short segments, ranges outside the arrays and partial blocks fail up front with messages that say what. */
class CodecBadInputTest {
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void rejectsBadRanges(GgmlType type) {
        QuantCodec codec = QuantCodecs.require(type);
        int be = codec.blockElements();
        int bb = codec.blockBytes();
        MemorySegment twoBlocks = MemorySegment.ofArray(new byte[2 * bb]);
        float[] out = new float[4 * be];

        // Segment too short for the requested blocks: nothing is written.
        float[] untouched = new float[4 * be];
        java.util.Arrays.fill(untouched, 42f);
        assertThatThrownBy(() -> codec.decode(twoBlocks, 0, untouched, 0, 3 * be))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining(type.name()).hasMessageContaining("segment holds " + 2 * bb + " bytes");
        org.assertj.core.api.Assertions.assertThat(untouched).containsOnly(42f);
        assertThatThrownBy(() -> codec.decodeBlock(twoBlocks, bb + 1, out, 0))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining(type.name());
        assertThatThrownBy(() -> codec.decodeBlock(twoBlocks, -1, out, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> codec.encode(new float[3 * be], 0, twoBlocks, 0, 3 * be))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining(type.name());

        // Destination or source array too small.
        assertThatThrownBy(() -> codec.decode(twoBlocks, 0, new float[2 * be - 1], 0, 2 * be))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("destination");
        assertThatThrownBy(() -> codec.decodeBlock(twoBlocks, 0, out, 4 * be - be + 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> codec.encodeBlock(new float[be], 1, twoBlocks, 0))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("source");

        // Element counts that are not whole blocks.
        if (be > 1) {
            assertThatThrownBy(() -> codec.decode(twoBlocks, 0, out, 0, be + 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a whole number of blocks");
            assertThatThrownBy(() -> codec.encode(out, 0, twoBlocks, 0, be - 1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> codec.byteSize(be + 1)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> codec.decode(twoBlocks, 0, out, 0, -be)).isInstanceOf(IllegalArgumentException.class);
    }
}
