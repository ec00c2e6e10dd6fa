package dev.jinn.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ApiExampleTest {

    /** The snippet the README shows must be the code that compiles here, line for line. */
    @Test
    void docsSnippetIsTheCompiledExample() throws IOException {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String source = Files.readString(root.resolve("samples/src/test/java/dev/jinn/samples/ApiExample.java"));
        String code = source.substring(source.indexOf("// --- begin example ---\n") + 25,
                source.indexOf("        // --- end example ---"));
        String doc = Files.readString(root.resolve("docs/api-example.md"));
        String stripped = code.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(doc).contains(stripped);
        assertThat(code.lines().count()).isLessThanOrEqualTo(15);
    }

    @Test
    void exampleRunsAgainstTheTestModel(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path model = dir.resolve("example.fake-model");
        Files.writeString(model, "Because it has no divisors.</think>\n\nIt has no divisors but 1 and itself.");
        ApiExample.run(model); // through Model.load and the test ModelFactory: must not throw
    }
}
