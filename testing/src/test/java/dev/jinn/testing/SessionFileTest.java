package dev.jinn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.GenerationOptions;
import dev.jinn.Sampler;
import dev.jinn.Session;
import dev.jinn.StateFileException;
import dev.jinn.engine.session.EngineModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saved sessions: identity checks, atomic writes, corrupt files. */
class SessionFileTest {
    private static final GenerationOptions O = GenerationOptions.builder().sampler(Sampler.greedy()).maxTokens(6).build();

    @Test
    void aSessionRestoresOnlyIntoTheModelItWasSavedFrom(@TempDir Path dir) {
        Path file = dir.resolve("a.session");
        try (EngineModel a = FakeModels.random(256, 1); EngineModel b = FakeModels.random(256, 2)) {
            Session s = a.newSession();
            s.chat("hi", O);
            s.save(file);
            assertThatThrownBy(() -> Session.restore(b, file)).isInstanceOf(StateFileException.class)
                    .hasMessageContaining("saved from model 'fake-random-1'")
                    .hasMessageContaining("this is model 'fake-random-2'");
            Session r = Session.restore(a, file);
            assertThat(r.tokenCount()).isEqualTo(s.tokenCount());
            assertThat(r.chat("next", O)).usingRecursiveComparison().ignoringFields("usage")
                    .isEqualTo(s.chat("next", O));
        }
    }

    @Test
    void aRestoredSessionNeedsAModelWithEnoughContext(@TempDir Path dir) {
        Path file = dir.resolve("a.session");
        try (EngineModel big = FakeModels.random(256, 1)) {
            Session s = big.newSession();
            s.chat("hi", O);
            s.save(file);
        }
        try (EngineModel small = FakeModels.create("fake-random-1",
                FakeTransformer.random(new FakeTokenizer().vocabularySize(), 64, 1), new FakeTokenizer(), true)) {
            // same identity, smaller context
            assertThatThrownBy(() -> Session.restore(small, file)).isInstanceOf(StateFileException.class);
        }
    }

    @Test
    void everyCorruptedByteIsCaught(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.session");
        try (EngineModel m = FakeModels.random(256, 1)) {
            Session s = m.newSession();
            s.chat("hi", O);
            s.save(file);
            assertThat(Files.list(dir)).containsExactly(file); // no temporary file left behind
            byte[] good = Files.readAllBytes(file);
            for (int i = 0; i < good.length; i += 7) {
                byte[] bad = good.clone();
                bad[i] ^= 0x21;
                Path p = dir.resolve("bad" + i);
                Files.write(p, bad);
                assertThatThrownBy(() -> Session.restore(m, p)).as("byte " + i).isInstanceOf(StateFileException.class);
            }
            Files.write(dir.resolve("extra"), java.util.Arrays.copyOf(good, good.length + 3));
            assertThatThrownBy(() -> Session.restore(m, dir.resolve("extra"))).isInstanceOf(StateFileException.class)
                    .hasMessageContaining("trailing");
        }
    }
}
