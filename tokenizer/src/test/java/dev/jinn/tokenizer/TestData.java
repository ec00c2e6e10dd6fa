package dev.jinn.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Shared test data and lazily loaded tokenizers (loading the full vocabulary once per JVM). */
final class TestData {
    static final Path DATA = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"));
    static final Path QWEN = DATA.resolve("tokenizer/deepseek-r1-distill-qwen");
    static final Path VECTORS = DATA.resolve("tokenizer/llamacpp-vectors");

    private static Tokenizer fromJson;
    private static Tokenizer fromVocab;

    private TestData() {}

    static synchronized Tokenizer qwenFromJson() {
        if (fromJson == null) {
            fromJson = Tokenizers.fromTokenizerJson(QWEN.resolve("tokenizer.json"));
        }
        return fromJson;
    }

    static synchronized Tokenizer qwenFromVocab() {
        if (fromVocab == null) {
            fromVocab = Tokenizers.fromVocabAndMerges(QWEN.resolve("vocab.json"), QWEN.resolve("merges.txt"),
                    addedTokens(), 151646, 151643, true);
        }
        return fromVocab;
    }

    static List<AddedToken> addedTokens() {
        List<AddedToken> out = new ArrayList<>();
        for (String line : lines(QWEN.resolve("added_tokens.tsv"))) {
            if (line.startsWith("id\t") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            out.add(new AddedToken(Integer.parseInt(f[0]), f[1], Boolean.parseBoolean(f[2])));
        }
        return out;
    }

    /** llama.cpp's test cases: input text and expected ids. */
    record Case(String text, int[] ids) {}

    static List<Case> llamaCppCases() {
        String inp = read(VECTORS.resolve("qwen2.inp"));
        String[] texts = inp.split("\n__ggml_vocab_test__\n", -1);
        List<String> out = lines(VECTORS.resolve("qwen2.out"));
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            String line = out.get(i).trim();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts[i], ids));
        }
        return cases;
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
