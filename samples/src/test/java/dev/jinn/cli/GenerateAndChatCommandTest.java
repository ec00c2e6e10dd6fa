package dev.jinn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateAndChatCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    private Result run(String input, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JinnCli.execute(args, new StringReader(input), new PrintWriter(out), new PrintWriter(err), false);
        return new Result(code, out.toString(), err.toString());
    }

    private Path model(String reply) throws IOException {
        Path p = dir.resolve("m.fake-model");
        Files.writeString(p, reply);
        return p;
    }

    @Test
    void generateStreamsAnswerAndReasoningApartWithStatisticsOnStderr() throws IOException {
        Path m = model("Let me think.</think>\n\nThe answer.");
        Result r = run("", "generate", "--model", m.toString(), "--temperature", "0", "What", "is", "it?");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("<think>\nLet me think.\n</think>\n\nThe answer.\n");
        assertThat(r.err()).contains("prompt: ").contains("generated: ").contains("finish: stop");
        Result hidden = run("", "generate", "--model", m.toString(), "--hide-reasoning", "-n", "100", "Hi");
        assertThat(hidden.out()).isEqualTo("The answer.\n");
    }

    @Test
    void maxTokensAndLengthFinish() throws IOException {
        Result r = run("", "generate", "--model", model("abcdefgh</think>x").toString(), "-n", "3", "Hi");
        assertThat(r.out()).isEqualTo("<think>\nabc\n</think>\n");
        assertThat(r.err()).contains("finish: length").contains("generated: 3 tokens (3 reasoning)");
    }

    @Test
    void rawPromptIsEchoedAndContinued() throws IOException {
        Path m = model("raw\n, the end.");
        Result r = run("", "generate", "--model", m.toString(), "--raw", "Once<|assistant|>");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Once<|assistant|>, the end.\n");
        // a model without a chat template falls back to raw with a note
        Result fallback = run("", "generate", "--model", m.toString(), "Once<|assistant|>");
        assertThat(fallback.err()).contains("has no chat template");
        assertThat(fallback.out()).isEqualTo(r.out());
    }

    @Test
    void badOptionsAndMissingFilesAreClearErrors() throws IOException {
        Result bad = run("", "generate", "--model", model("x").toString(), "--top-p", "1.5", "Hi");
        assertThat(bad.code()).isEqualTo(JinnCli.EXIT_USAGE);
        assertThat(bad.err()).contains("topP = 1.5 is invalid");
        Result missing = run("", "generate", "--model", dir.resolve("nope.gguf").toString(), "Hi");
        assertThat(missing.code()).isEqualTo(JinnCli.EXIT_FILE);
        assertThat(missing.err()).contains("nope.gguf").contains("no such file");
        Result noPrompt = run("", "generate");
        assertThat(noPrompt.code()).isEqualTo(JinnCli.EXIT_USAGE);
    }

    @Test
    void defaultModelIsTheBundledDemoUnderJinnHome() {
        String old = System.getProperty("jinn.home");
        System.setProperty("jinn.home", dir.toString());
        try {
            Result r = run("", "generate", "Hi");
            assertThat(r.code()).isEqualTo(JinnCli.EXIT_FILE);
            assertThat(r.err()).contains(dir.resolve("models/stories260K.gguf").toString())
                    .contains("demo model is missing");
        } finally {
            if (old == null) {
                System.clearProperty("jinn.home");
            } else {
                System.setProperty("jinn.home", old);
            }
        }
    }

    @Test
    void chatKeepsTheConversationAndSavesResetsAndLoads() throws IOException {
        Path m = model("hmm</think>Sure.");
        Path saved = dir.resolve("chat.session");
        String input = String.join("\n", "Hello", "/save " + saved, "/reset", "/load " + saved, "Again", "/bogus",
                "/quit") + "\n";
        Result r = run(input, "chat", "--model", m.toString(), "--temperature", "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Chatting with m.fake-model")
                .contains("<think>\nhmm\n</think>\n\nSure.")
                .contains("(saved 2 turns to " + saved + ")")
                .contains("(conversation cleared)")
                .contains("(loaded 2 turns from " + saved + ")")
                .contains("(unknown command /bogus");
        assertThat(r.out().split("Sure\\.", -1)).hasSize(3); // two answers
        // the second answer reused the restored conversation's cache
        assertThat(r.err().lines().filter(l -> l.startsWith("prompt:")).toList().get(1)).doesNotContain("(0 cached)");
    }

    @Test
    void chatReportsALoadErrorAndGoesOn() throws IOException {
        Path m = model("r</think>ok");
        Files.writeString(dir.resolve("bad.session"), "garbage");
        Result r = run("/load " + dir.resolve("bad.session") + "\nHi\n", "chat", "--model", m.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains("not a Jinn session file");
        assertThat(r.out()).contains("ok");
    }

    @Test
    void backendsListsTheCpuBackendAsChosen() {
        Result r = run("", "backends");
        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("\\* +cpu +priority 10 +available").contains("* = chosen automatically");
    }

    @Test
    void anUnknownBackendIsAClearError() throws IOException {
        Path gguf = Path.of(System.getProperty("jinn.shared.data"), "golden", "golden-q8_0.gguf");
        Result r = run("", "generate", "--model", gguf.toString(), "--backend", "tpu", "Hi");
        assertThat(r.code()).isEqualTo(JinnCli.EXIT_RUNTIME);
        assertThat(r.err()).contains("backend 'tpu' is not available").contains("cpu: not requested");
    }

    @Test
    void generateRunsTheGoldenModelOnTheCpu() {
        Path gguf = Path.of(System.getProperty("jinn.shared.data"), "golden", "golden-q8_0.gguf");
        Result r = run("", "generate", "--model", gguf.toString(), "--ctx", "128", "--threads", "2", "-n", "4",
                "--seed", "1", "Hello");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("<think>\n");
        assertThat(r.err()).containsPattern("prompt: \\d+ tokens \\(0 cached\\)").contains("generated: 4 tokens (4 reasoning)");
    }
}
