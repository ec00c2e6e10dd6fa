package dev.jinn.quant.convert;

import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.quant.json.Json;
import dev.jinn.quant.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face byte-level BPE tokenizer ({@code tokenizer.json}, with {@code tokenizer_config.json} and
 * {@code config.json} beside it when present) turned into the {@code tokenizer.*} keys of a GGUF file, the way
 * llama.cpp's {@code convert_hf_to_gguf.py} writes them for Qwen2-family models:
 * <ul>
 *   <li>{@code tokens}: one entry per id up to the model's vocabulary size; ids without a token become
 *       {@code [PADn]} of type UNUSED;
 *   <li>{@code token_type}: NORMAL for the BPE vocabulary; CONTROL for added tokens flagged special; USER_DEFINED
 *       for the other added tokens (such as {@code <｜User｜>} and {@code <think>}) — as in the golden files that
 *       llama.cpp wrote;
 *   <li>{@code merges} as {@code "a b"} strings, {@code bos/eos/padding} ids, {@code add_bos_token}, the chat template.
 * </ul>
 *
 * @param model        {@code tokenizer.ggml.model}: {@code "gpt2"} (byte-level BPE)
 * @param pre          {@code tokenizer.ggml.pre}: {@code "deepseek-r1-qwen"} or {@code "qwen2"}
 * @param tokens       by id
 * @param tokenTypes   by id (1 normal, 3 control, 4 user-defined, 5 unused)
 * @param merges       ranked merges
 * @param bosId        BOS id or -1
 * @param eosId        EOS id or -1
 * @param padId        padding id or -1
 * @param addBos       whether prompts start with BOS
 * @param chatTemplate the Jinja chat template, or null
 */
public record HfTokenizerData(
        String model,
        String pre,
        List<String> tokens,
        int[] tokenTypes,
        List<String> merges,
        int bosId,
        int eosId,
        int padId,
        boolean addBos,
        String chatTemplate) {

    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;

    /**
     * Reads {@code tokenizer.json} from {@code folder}, with {@code tokenizer_config.json}, {@code chat_template.jinja}
     * and {@code config.json} when they exist.
     *
     * @param vocabSize the model's vocabulary size (rows of the embedding); 0 means the tokenizer's own size
     * @throws ModelFileException naming the file and what is wrong
     */
    public static HfTokenizerData read(Path folder, int vocabSize) {
        Path tokJson = folder.resolve("tokenizer.json");
        Map<String, Object> tok = readJson(tokJson);
        Map<String, Object> cfg = readJsonIfExists(folder.resolve("tokenizer_config.json"));
        Map<String, Object> modelCfg = readJsonIfExists(folder.resolve("config.json"));
        String template = cfg.get("chat_template") instanceof String s ? s : null;
        Path jinja = folder.resolve("chat_template.jinja");
        if (template == null && Files.isRegularFile(jinja)) {
            try {
                template = Files.readString(jinja, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ModelFileException(jinja, "cannot read: " + e.getMessage(), e);
            }
        }
        return parse(tokJson, tok, cfg, modelCfg, template, vocabSize);
    }

    /**
     * Builds the data from already parsed files.
     *
     * @param tokJson      the tokenizer.json path, for error messages
     * @param tok          tokenizer.json
     * @param cfg          tokenizer_config.json, or an empty map
     * @param modelCfg     config.json, or an empty map
     * @param chatTemplate the chat template, or null
     * @param vocabSize    the model's vocabulary size; 0 means the tokenizer's own
     */
    public static HfTokenizerData parse(Path tokJson, Map<String, Object> tok, Map<String, Object> cfg,
                                        Map<String, Object> modelCfg, String chatTemplate, int vocabSize) {
        Map<String, Object> model = map(tok.get("model"), tokJson, "model");
        if (!"BPE".equals(model.get("type"))) {
            throw new ModelFileException(tokJson, "model.type is " + model.get("type")
                    + "; only byte-level BPE tokenizers (Qwen2 family) can be converted");
        }
        Map<String, Object> vocab = map(model.get("vocab"), tokJson, "model.vocab");
        int maxId = -1;
        for (Object id : vocab.values()) {
            maxId = Math.max(maxId, toInt(id, tokJson, "model.vocab"));
        }
        List<Map<String, Object>> added = new ArrayList<>();
        if (tok.get("added_tokens") instanceof List<?> l) {
            for (Object o : l) {
                Map<String, Object> a = map(o, tokJson, "added_tokens[]");
                added.add(a);
                maxId = Math.max(maxId, toInt(a.get("id"), tokJson, "added_tokens[].id"));
            }
        }
        int n = Math.max(vocabSize, maxId + 1);
        if (n > 10_000_000) {
            throw new ModelFileException(tokJson, "vocabulary of " + n + " tokens is implausibly large");
        }
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            int id = toInt(e.getValue(), tokJson, "model.vocab");
            if (id < 0) {
                throw new ModelFileException(tokJson, "negative id " + id + " for token " + e.getKey());
            }
            tokens[id] = e.getKey();
            types[id] = TYPE_NORMAL;
        }
        boolean deepseek = false;
        for (Map<String, Object> a : added) {
            int id = toInt(a.get("id"), tokJson, "added_tokens[].id");
            String content = (String) a.get("content");
            if (content == null || id < 0) {
                throw new ModelFileException(tokJson, "added token with id " + id + " has no content");
            }
            boolean special = Boolean.TRUE.equals(a.get("special"));
            tokens[id] = special ? content : content.replace('\u2581', ' ');
            types[id] = special ? TYPE_CONTROL : TYPE_USER_DEFINED;
            deepseek |= content.equals("<｜begin▁of▁sentence｜>");
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = TYPE_UNUSED;
            }
        }

        List<String> merges = new ArrayList<>();
        if (model.get("merges") instanceof List<?> ms) {
            for (Object m : ms) {
                if (m instanceof String s) {
                    merges.add(s);
                } else if (m instanceof List<?> pair && pair.size() == 2) {
                    merges.add(pair.get(0) + " " + pair.get(1));
                } else {
                    throw new ModelFileException(tokJson, "model.merges entry " + merges.size() + " is neither \"a b\" nor [a, b]");
                }
            }
        }

        int bos = idOf(cfg.get("bos_token"), tokens);
        int eos = idOf(cfg.get("eos_token"), tokens);
        int pad = idOf(cfg.get("pad_token"), tokens);
        if (bos < 0 && modelCfg.get("bos_token_id") instanceof Long l) {
            bos = l.intValue();
        }
        if (eos < 0 && modelCfg.get("eos_token_id") instanceof Long l) {
            eos = l.intValue();
        }
        if (bos < 0) {
            bos = postProcessorBos(tok);
        }
        boolean addBos = cfg.containsKey("add_bos_token")
                ? Boolean.TRUE.equals(cfg.get("add_bos_token"))
                : bos >= 0 && postProcessorBos(tok) == bos;
        return new HfTokenizerData("gpt2", deepseek ? "deepseek-r1-qwen" : "qwen2", List.of(tokens), types,
                List.copyOf(merges), bos, eos, pad, addBos, chatTemplate);
    }

    /** Writes the {@code tokenizer.*} keys. */
    public void writeTo(GgufWriter w) {
        HfTokenizerData tok = this;
        w.putString("tokenizer.ggml.model", tok.model());
        w.putString("tokenizer.ggml.pre", tok.pre());
        w.putStringArray("tokenizer.ggml.tokens", tok.tokens());
        w.putInt32Array("tokenizer.ggml.token_type", tok.tokenTypes());
        w.putStringArray("tokenizer.ggml.merges", tok.merges());
        if (tok.bosId() >= 0) {
            w.putUInt32("tokenizer.ggml.bos_token_id", tok.bosId());
        }
        if (tok.eosId() >= 0) {
            w.putUInt32("tokenizer.ggml.eos_token_id", tok.eosId());
        }
        if (tok.padId() >= 0) {
            w.putUInt32("tokenizer.ggml.padding_token_id", tok.padId());
        }
        w.putBool("tokenizer.ggml.add_bos_token", tok.addBos());
        if (tok.chatTemplate() != null) {
            w.putString("tokenizer.chat_template", tok.chatTemplate());
        }
    }

    /**
     * A smaller vocabulary made the way ../shared/data/golden's was: the first {@code vocab − added} BPE tokens, the
     * merges whose two parts and result are all kept, then the added tokens (those after the BPE vocabulary, in
     * their order) renumbered to follow. Ids of BOS/EOS/padding move with their tokens.
     *
     * @param vocab the new vocabulary size; must leave room for every added token
     */
    public HfTokenizerData truncated(int vocab) {
        int firstAdded = tokens.size();
        for (int i = 0; i < tokens.size(); i++) {
            if (tokenTypes[i] != TYPE_NORMAL) {
                firstAdded = i;
                break;
            }
        }
        List<Integer> addedIds = new ArrayList<>();
        for (int i = firstAdded; i < tokens.size(); i++) {
            if (tokenTypes[i] == TYPE_CONTROL || tokenTypes[i] == TYPE_USER_DEFINED) {
                addedIds.add(i);
            }
        }
        int keep = vocab - addedIds.size();
        if (keep <= 0 || keep > firstAdded) {
            throw new IllegalArgumentException("cannot truncate a " + tokens.size() + "-token vocabulary with "
                    + addedIds.size() + " added tokens to " + vocab + " tokens");
        }
        List<String> t = new ArrayList<>(tokens.subList(0, keep));
        int[] types = new int[vocab];
        java.util.Arrays.fill(types, 0, keep, TYPE_NORMAL);
        java.util.Map<Integer, Integer> moved = new java.util.HashMap<>();
        for (int id : addedIds) {
            moved.put(id, t.size());
            types[t.size()] = tokenTypes[id];
            t.add(tokens.get(id));
        }
        java.util.Set<String> kept = new java.util.HashSet<>(t.subList(0, keep));
        List<String> m = new ArrayList<>();
        for (String merge : merges) {
            int sp = merge.indexOf(' ');
            String a = merge.substring(0, sp);
            String b = merge.substring(sp + 1);
            if (kept.contains(a) && kept.contains(b) && kept.contains(a + b)) {
                m.add(merge);
            }
        }
        return new HfTokenizerData(model, pre, List.copyOf(t), types, List.copyOf(m), moved.getOrDefault(bosId, -1),
                moved.getOrDefault(eosId, -1), moved.getOrDefault(padId, -1), addBos, chatTemplate);
    }

    private static int postProcessorBos(Map<String, Object> tok) {
        if (tok.get("post_processor") instanceof Map<?, ?> pp && pp.get("special_tokens") instanceof Map<?, ?> st) {
            for (Object v : st.values()) {
                if (v instanceof Map<?, ?> m && m.get("ids") instanceof List<?> ids && ids.size() == 1
                        && ids.get(0) instanceof Long id) {
                    return id.intValue();
                }
            }
        }
        return -1;
    }

    private static int idOf(Object token, String[] tokens) {
        String content = token instanceof String s ? s
                : token instanceof Map<?, ?> m && m.get("content") instanceof String c ? c : null;
        if (content == null) {
            return -1;
        }
        for (int i = tokens.length - 1; i >= 0; i--) { // added tokens sit at the end
            if (content.equals(tokens[i])) {
                return i;
            }
        }
        return -1;
    }

    static Map<String, Object> readJson(Path p) {
        try {
            return Json.parseObject(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelFileException(p, "cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw new ModelFileException(p, "malformed JSON: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> readJsonIfExists(Path p) {
        return Files.isRegularFile(p) ? readJson(p) : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, Path file, String field) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new ModelFileException(file, field + " should be an object, found " + Json.typeName(o));
    }

    private static int toInt(Object o, Path file, String field) {
        if (o instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw new ModelFileException(file, field + " should be an integer id, found " + o);
    }
}
