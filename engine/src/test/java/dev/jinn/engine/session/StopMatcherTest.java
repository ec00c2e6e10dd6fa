package dev.jinn.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void stopStringSplitAcrossChunksIsFoundAndNotReleased() {
        StopMatcher m = new StopMatcher(List.of("END"));
        StringBuilder out = new StringBuilder();
        out.append(m.accept("Hello E"));
        assertThat(out.toString()).isEqualTo("Hello "); // "E" is held back
        out.append(m.accept("N"));
        out.append(m.accept("Dafter"));
        assertThat(m.stopped()).isTrue();
        assertThat(out.toString()).isEqualTo("Hello ");
        assertThat(m.accept("more")).isEmpty();
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void heldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopMatcher m = new StopMatcher(List.of("END"));
        assertThat(m.accept("EN")).isEmpty();
        assertThat(m.accept("X")).isEqualTo("ENX");
        assertThat(m.accept("E")).isEmpty();
        assertThat(m.flush()).isEqualTo("E");
        assertThat(m.stopped()).isFalse();
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopMatcher m = new StopMatcher(List.of("world", "lo w"));
        assertThat(m.accept("hello world")).isEqualTo("hel");
        assertThat(m.stopped()).isTrue();
    }

    @Test
    void withoutStopsEverythingPassesThrough() {
        StopMatcher m = new StopMatcher(List.of());
        assertThat(m.accept("abc")).isEqualTo("abc");
        assertThat(m.flush()).isEmpty();
    }
}
