package dev.jinn.quant;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GgmlTypeTest {
    @Test
    void idsRoundTripAndGeometryMatchesGgml() {
        for (GgmlType t : GgmlType.values()) {
            assertThat(GgmlType.byId(t.id())).contains(t);
            assertThat(GgmlType.byName(t.name().toLowerCase())).contains(t);
        }
        assertThat(GgmlType.Q4_K.rowBytes(5120)).isEqualTo(20 * 144);
        assertThat(GgmlType.Q6_K.rowBytes(100)).isEqualTo(-1);
        assertThat(GgmlType.byId(4)).isEmpty();
        assertThat(GgmlType.byId(-1)).isEmpty();
        assertThat(GgmlType.byId(1000)).isEmpty();
    }
}
