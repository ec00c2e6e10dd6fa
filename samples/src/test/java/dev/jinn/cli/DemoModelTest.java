package dev.jinn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** README's first command: `./jinn generate "Once upon a time"` with the bundled demo model and no --model. */
class DemoModelTest {
    @AfterEach
    void clear() {
        System.clearProperty("jinn.home");
    }

    @Test
    void generatesTheStoryLlama2cGeneratesAndStopsAtTheNextStory() {
        System.setProperty("jinn.home", Path.of(System.getProperty("user.dir")).getParent().toString());
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = JinnCli.execute(new String[] {"generate", "Once upon a time", "--temperature", "0"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        // llama2.c's own greedy story for stories260K (../shared/data/tiny-model/README.md).
        assertThat(out.toString()).startsWith("Once upon a time, there was a little girl named Lily. She loved to play"
                + " outside in the park. One day, she saw a big, red ball.");
        // The model emits BOS where the next story would begin; generation ends there instead of printing "<s>".
        assertThat(out.toString()).doesNotContain("<s>");
        assertThat(err.toString()).contains("finish: stop");
    }
}
