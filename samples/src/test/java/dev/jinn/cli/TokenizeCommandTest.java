package dev.jinn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TokenizeCommandTest {
    static final Path DATA = Path.of(System.getProperty("jinn.shared.data"));
    static final Path QWEN_JSON = DATA.resolve("tokenizer/deepseek-r1-distill-qwen/tokenizer.json");

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JinnCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void tokenizesWithSpecialTokensFromTokenizerJson() {
        Result r = run("tokenize", "--model", QWEN_JSON.toString(), "--special", "--no-bos",
                "<｜begin▁of▁sentence｜><｜User｜>Hello, world!<｜Assistant｜>");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().trim()).isEqualTo("151646 151644 9707 11 1879 0 151645");
    }

    @Test
    void addsBosByDefaultAndParsesSpecialOnlyWhenAsked() {
        assertThat(run("tokenize", "--model", QWEN_JSON.getParent().toString(), "Hello").out().trim())
                .isEqualTo("151646 9707");
        assertThat(run("tokenize", "--model", QWEN_JSON.toString(), "--no-bos", "<think>").out().trim())
                .isNotEqualTo("151648");
    }

    @Test
    void decodesIdsFromAGguf() {
        Result r = run("tokenize", "--model", DATA.resolve("golden/golden-q8_0.gguf").toString(), "--decode", "4099,4097,54,1247");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("<｜begin▁of▁sentence｜><｜User｜>Write" + System.lineSeparator());
    }

    @Test
    void errorsAreOneLineWithExitCodes() {
        Result missing = run("tokenize", "--model", "/nonexistent/tokenizer.json", "x");
        assertThat(missing.code()).isEqualTo(JinnCli.EXIT_FILE);
        assertThat(missing.err()).contains("/nonexistent/tokenizer.json");
        Result badId = run("tokenize", "--model", QWEN_JSON.toString(), "--decode", "999999999");
        assertThat(badId.code()).isEqualTo(JinnCli.EXIT_USAGE);
        assertThat(badId.err()).contains("999999999");
        assertThat(run("tokenize", "--model", QWEN_JSON.toString()).code()).isEqualTo(JinnCli.EXIT_USAGE);
    }

    @Test
    void llama2cTokenizer() {
        Result r = run("tokenize", "--model", DATA.resolve("tiny-model/tok512.bin").toString(), "Once upon a time");
        assertThat(r.out().trim()).isEqualTo("1 403 407 261 378");
    }
}
