package dev.jinn.tokenizer;

import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.json.Json;
import dev.jinn.quant.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Creates {@link Tokenizer}s from model files. Every factory reads the whole file and returns an immutable,
 * thread-safe tokenizer; malformed or unsupported files raise {@link ModelFileException} naming the file and field.
 */
public final class Tokenizers {
    /** The Qwen2 split regex, as tokenizer.json writes it. */
    static final String QWEN2_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private Tokenizers() {}

    /**
     * Builds the tokenizer a GGUF file describes: {@code tokenizer.ggml.model} "gpt2" (byte-level BPE; the
     * {@code tokenizer.ggml.pre} must be "qwen2" or "deepseek-r1-qwen") or "llama" (SentencePiece-style BPE with
     * scores and byte-fallback tokens). Tokens of type control (3) and user-defined (4) are added tokens.
     *
     * @throws ModelFileException when a key is missing or malformed, or the model/pre-tokenizer is not supported
     */
    public static Tokenizer fromGguf(GgufMetadata metadata) {
        return GgufTokenizerReader.read(Objects.requireNonNull(metadata, "metadata"));
    }

    /**
     * Reads a Hugging Face {@code tokenizer.json} (BPE model, Qwen2 split regex + ByteLevel pre-tokenizer), or the
     * folder that holds one. BOS comes from the post-processor's template (which also means "add BOS by default");
     * bos/eos/add_bos_token from a {@code tokenizer_config.json} beside it override that when present; without one,
     * eos is the first of {@code <｜end▁of▁sentence｜>}, {@code <|im_end|>}, {@code <|endoftext|>} that exists.
     */
    public static Tokenizer fromTokenizerJson(Path path) {
        Objects.requireNonNull(path, "path");
        if (Files.isDirectory(path)) {
            path = path.resolve("tokenizer.json");
        }
        return TokenizerJsonReader.read(path);
    }

    /**
     * Builds a byte-level BPE tokenizer (Qwen2 pre-tokenizer, NFC) from GPT-2-style {@code vocab.json} (piece to id)
     * and {@code merges.txt} (one "left right" per line, best first; a {@code #version} first line is skipped).
     *
     * @param addedTokens tokens matched whole before BPE; ids at or past the vocabulary extend it
     * @param bosId       BOS id or -1
     * @param eosId       EOS id or -1
     * @param addBos      whether prompts start with BOS by default
     */
    public static Tokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt, List<AddedToken> addedTokens,
                                               int bosId, int eosId, boolean addBos) {
        Map<String, Object> vocab = readJsonObject(vocabJson);
        List<String> merges = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(mergesTxt, StandardCharsets.UTF_8)) {
                if (line.isEmpty() || (merges.isEmpty() && line.startsWith("#version"))) {
                    continue;
                }
                merges.add(line);
            }
        } catch (IOException e) {
            throw new ModelFileException(mergesTxt, "cannot read merges: " + e.getMessage(), e);
        }
        String[] pieces = TokenizerJsonReader.pieces(vocabJson, vocab, addedTokens);
        try {
            return new ByteLevelBpeTokenizer(vocabJson.toString(), pieces, merges, addedTokens, null, bosId, eosId, addBos);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(mergesTxt, e.getMessage(), e);
        }
    }

    /** Reads llama2.c's {@code tokenizer.bin} format (such as {@code tok512.bin}): BOS 1, EOS 2, byte tokens 3..258. */
    public static Tokenizer fromLlama2c(Path tokenizerBin) {
        return Llama2cTokenizerReader.read(tokenizerBin);
    }

    static Map<String, Object> readJsonObject(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot read: " + e.getMessage(), e);
        }
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw new ModelFileException(path, "not valid JSON: " + e.getMessage(), e);
        }
    }
}
