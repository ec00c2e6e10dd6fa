package dev.jinn.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** jinn-bom lists every published Jinn artifact of the reactor (all modules but the benchmarks and itself). */
class BomTest {
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern OWN_ARTIFACT = Pattern.compile("\n  <artifactId>(jinn-[^<]+)</artifactId>");
    private static final Pattern MANAGED = Pattern.compile("<artifactId>(jinn-[^<]+)</artifactId><version>"
            + "\\$\\{project\\.version\\}</version>");

    @Test
    void theBomListsEveryModule() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String parent = Files.readString(root.resolve("pom.xml"));
        List<String> artifacts = new ArrayList<>();
        Matcher m = MODULE.matcher(parent);
        while (m.find()) {
            String module = m.group(1);
            if (module.equals("bom") || module.equals("benchmarks")) {
                continue;
            }
            Matcher a = OWN_ARTIFACT.matcher(Files.readString(root.resolve(module).resolve("pom.xml")));
            assertThat(a.find()).as("artifactId of %s", module).isTrue();
            artifacts.add(a.group(1));
        }
        String bom = Files.readString(root.resolve("bom/pom.xml"));
        List<String> managed = new ArrayList<>();
        Matcher b = MANAGED.matcher(bom);
        while (b.find()) {
            managed.add(b.group(1));
        }
        assertThat(artifacts).hasSizeGreaterThanOrEqualTo(12);
        assertThat(managed).containsExactlyInAnyOrderElementsOf(artifacts);
        Matcher version = Pattern.compile("\n  <version>([^<]+)</version>").matcher(bom);
        assertThat(version.find()).isTrue();
        assertThat(parent).contains("<artifactId>jinn-parent</artifactId>\n  <version>" + version.group(1) + "</version>");
    }
}
