package dev.jinn.tokenizer;

import dev.jinn.JinnException;
import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Builds a tokenizer from GGUF metadata ({@code tokenizer.ggml.*} keys, as llama.cpp writes them). */
final class GgufTokenizerReader {
    /** {@code tokenizer.ggml.pre} values whose pre-tokenizer is the Qwen2 regex. */
    static final Set<String> QWEN2_PRE = Set.of("qwen2", "deepseek-r1-qwen");

    private static final int TYPE_NORMAL = 1;
    private static final int TYPE_CONTROL = 3;
    private static final int TYPE_USER_DEFINED = 4;

    private GgufTokenizerReader() {}

    static Tokenizer read(GgufMetadata md) {
        String model = md.getString("tokenizer.ggml.model");
        try {
            List<String> tokens = md.getStringList("tokenizer.ggml.tokens");
            int n = tokens.size();
            int[] types = md.contains("tokenizer.ggml.token_type") ? md.getIntArray("tokenizer.ggml.token_type") : null;
            if (types == null) {
                types = new int[n];
                java.util.Arrays.fill(types, TYPE_NORMAL);
            }
            if (types.length != n) {
                throw error("tokenizer.ggml.token_type has " + types.length + " entries for " + n + " tokens");
            }
            int bos = md.getInt("tokenizer.ggml.bos_token_id", -1);
            int eos = md.getInt("tokenizer.ggml.eos_token_id", -1);
            String[] pieces = tokens.toArray(String[]::new);
            return switch (model) {
                case "gpt2" -> {
                    String pre = md.getString("tokenizer.ggml.pre", "default");
                    if (!QWEN2_PRE.contains(pre)) {
                        throw error("tokenizer.ggml.pre '" + pre + "' is not supported (supported: " + QWEN2_PRE + ")");
                    }
                    List<String> merges = md.getStringList("tokenizer.ggml.merges");
                    List<AddedToken> added = new ArrayList<>();
                    boolean[] control = new boolean[n];
                    for (int id = 0; id < n; id++) {
                        if (types[id] == TYPE_CONTROL || types[id] == TYPE_USER_DEFINED) {
                            control[id] = types[id] == TYPE_CONTROL;
                            if (!pieces[id].isEmpty()) {
                                added.add(new AddedToken(id, pieces[id], control[id]));
                            }
                        }
                    }
                    boolean addBos = md.getBoolean("tokenizer.ggml.add_bos_token", false);
                    yield new ByteLevelBpeTokenizer("GGUF tokenizer", pieces, merges, added, control, bos, eos, addBos);
                }
                case "llama" -> {
                    float[] scores = md.getFloatArray("tokenizer.ggml.scores");
                    boolean addBos = md.getBoolean("tokenizer.ggml.add_bos_token", true);
                    boolean prefix = md.getBoolean("tokenizer.ggml.add_space_prefix", true);
                    yield new SentencePieceBpeTokenizer("GGUF tokenizer", pieces, scores, types, "\u2581", prefix,
                            bos, eos, addBos);
                }
                default -> throw error("tokenizer.ggml.model '" + model + "' is not supported (supported: gpt2, llama)");
            };
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private static JinnException error(String message) {
        return new ModelFileException(null, "GGUF tokenizer metadata: " + message);
    }
}
