package dev.jinn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RandomBlocksTest {
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void decodedValuesAreCentredWithTheWantedSpread(GgmlType type) {
        QuantCodec codec = QuantCodecs.require(type);
        int elements = 256 * 64;
        long blocks = elements / type.blockElements();
        double std = 0.02;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(blocks * type.blockBytes());
            new RandomBlocks(type, std, new SplittableRandom(7)).fill(seg, 0, blocks);
            float[] v = new float[elements];
            codec.decode(seg, 0, v, 0, elements);
            double sum = 0, sq = 0;
            for (float x : v) {
                assertThat(Float.isFinite(x)).isTrue();
                sum += x;
                sq += x * x;
            }
            double mean = sum / elements;
            double sd = Math.sqrt(sq / elements - mean * mean);
            assertThat(Math.abs(mean)).as("mean").isLessThan(0.1 * std);
            assertThat(sd).as("std").isBetween(0.8 * std, 1.2 * std);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K"})
    void sameSeedSameBytes(GgmlType type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(16L * type.blockBytes());
            MemorySegment b = arena.allocate(16L * type.blockBytes());
            new RandomBlocks(type, 1, new SplittableRandom(3)).fill(a, 0, 16);
            new RandomBlocks(type, 1, new SplittableRandom(3)).fill(b, 0, 16);
            assertThat(a.mismatch(b)).isEqualTo(-1);
        }
    }
}
