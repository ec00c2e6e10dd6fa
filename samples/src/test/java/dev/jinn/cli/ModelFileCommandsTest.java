package dev.jinn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jinn convert, synth and estimate through the real command line. */
class ModelFileCommandsTest {
    static final Path DATA = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"));
    static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = JinnCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void theBundledDemoModelIsExactlyWhatTheConverterMakes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("stories260K.gguf");
        Run r = run("convert", DATA.resolve("tiny-model/stories260K.bin").toString(), out.toString(),
                "--tokenizer", DATA.resolve("tiny-model/tok512.bin").toString(), "--quant", "F32", "--name", "stories260K",
                "--license", "MIT");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote");
        assertThat(Files.mismatch(out, REPO.resolve("models/stories260K.gguf"))).isEqualTo(-1);
    }

    @Test
    void convertErrorsHaveExitCodes(@TempDir Path dir) {
        assertThat(run("convert", dir.resolve("missing").toString(), dir.resolve("o.gguf").toString()).code()).isEqualTo(2);
        Run noTok = run("convert", DATA.resolve("tiny-model/stories260K.bin").toString(), dir.resolve("o.gguf").toString());
        assertThat(noTok.code()).isEqualTo(1);
        assertThat(noTok.err()).contains("--tokenizer");
        assertThat(run("convert", "a", "b", "--quant", "Q3_X").err()).contains("unknown quantization");
    }

    @Test
    void synthWritesAModelAndRefusesUnknownShapes(@TempDir Path dir) {
        Run r = run("synth", "--shape", "golden", "--quant", "Q8_0", dir.resolve("g.gguf").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(dir.resolve("g.gguf")).exists();
        Run bad = run("synth", "--shape", "99b", dir.resolve("x.gguf").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("unknown shape '99b'").contains("14b");
    }

    @Test
    void estimatePrintsATableAndJson() {
        String cfg = DATA.resolve("tokenizer/deepseek-r1-distill-qwen/config.json").toString();
        Run table = run("estimate", "--config", cfg, "--quant", "Q4_K_M", "--ctx", "16384", "--threads", "2");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("Q4_K_M").contains("16384").contains("3.00 GiB");
        Run json = run("estimate", "--config", cfg, "--quant", "Q8_0,BF16", "--ctx", "1024", "--json", "--threads", "2");
        assertThat(json.out()).contains("\"quant\": \"Q8_0\"").contains("\"quant\": \"BF16\"")
                .contains("\"kv_bytes\": " + 196_608L * 1024);
        assertThat(run("estimate", "--config", cfg, "--kv-type", "q3").code()).isEqualTo(1);
        assertThat(run("estimate").code()).isEqualTo(1);
        assertThat(run("estimate", "--model", "/nonexistent.gguf").code()).isEqualTo(2);
    }
}
