package dev.jinn.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.JinnException;
import dev.jinn.quant.codec.F16Codec;
import dev.jinn.quant.codec.F32Codec;
import dev.jinn.quant.codec.Q4KCodec;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.Test;

class QuantCodecsTest {
    @Test
    void findsEveryBuiltInCodecByTypeAndName() {
        assertThat(QuantCodecs.all()).extracting(QuantCodec::name)
                .containsExactly("F32", "F16", "Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "BF16");
        for (QuantCodec c : QuantCodecs.all()) {
            GgmlType t = GgmlType.byId(c.ggmlType()).orElseThrow();
            assertThat(t.name()).isEqualTo(c.name());
            assertThat(c.blockElements()).isEqualTo(t.blockElements());
            assertThat(c.blockBytes()).isEqualTo(t.blockBytes());
            assertThat(QuantCodecs.forType(t)).containsSame(c);
            assertThat(QuantCodecs.forName(c.name().toLowerCase())).containsSame(c);
            assertThat(QuantCodecs.require(t)).isSameAs(c);
        }
        assertThat(QuantCodecs.require(GgmlType.Q4_K)).isInstanceOf(Q4KCodec.class);
    }

    @Test
    void unsupportedTypesAreEmptyOrAClearError() {
        assertThat(QuantCodecs.forType(GgmlType.Q2_K)).isEmpty();
        assertThat(QuantCodecs.forName("IQ2_XXS")).isEmpty();
        assertThat(QuantCodecs.forName("nonsense")).isEmpty();
        assertThat(QuantCodecs.forName(null)).isEmpty();
        assertThatThrownBy(() -> QuantCodecs.require(GgmlType.IQ4_XS))
                .isInstanceOf(JinnException.class)
                .hasMessageContaining("IQ4_XS")
                .hasMessageContaining("supported types: F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16");
    }

    /** A provider that claims F32 with the wrong geometry. */
    static final class LyingCodec implements QuantCodec {
        @Override
        public int ggmlType() {
            return 0;
        }

        @Override
        public String name() {
            return "F32";
        }

        @Override
        public int blockElements() {
            return 32;
        }

        @Override
        public int blockBytes() {
            return 4;
        }

        @Override
        public void decodeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        }

        @Override
        public void encodeBlock(float[] src, int srcOffset, MemorySegment dst, long offset) {
        }
    }

    @Test
    void brokenProvidersAreSkippedAndTheRestStillLoad() {
        List<Object> script = List.of(new ServiceConfigurationError("bad provider class"), new LyingCodec(),
                new F16Codec(), new IllegalStateException("constructor threw"), new F32Codec(), new F16Codec());
        Iterator<QuantCodec> it = new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < script.size();
            }

            @Override
            public QuantCodec next() {
                Object o = script.get(i++);
                if (o instanceof Error e) {
                    throw e;
                }
                if (o instanceof RuntimeException e) {
                    throw e;
                }
                return (QuantCodec) o;
            }
        };
        Map<GgmlType, QuantCodec> found = QuantCodecs.discover(it);
        assertThat(found.keySet()).containsExactly(GgmlType.F32, GgmlType.F16);
        assertThat(found.get(GgmlType.F32)).isInstanceOf(F32Codec.class);
    }
}
