package dev.jinn.tokenizer;

import dev.jinn.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads Hugging Face tokenizer.json files. */
final class TokenizerJsonReader {
    private TokenizerJsonReader() {}

    static Tokenizer read(Path path) {
        Map<String, Object> root = Tokenizers.readJsonObject(path);
        Map<String, Object> model = object(path, root, "model");
        Object type = model.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw new ModelFileException(path, "model.type is '" + type + "'; only BPE is supported");
        }
        checkPreTokenizer(path, root.get("pre_tokenizer"));
        Object normalizer = root.get("normalizer");
        if (normalizer != null && !(normalizer instanceof Map<?, ?> nm && "NFC".equals(nm.get("type")))) {
            throw new ModelFileException(path, "normalizer " + normalizer + " is not supported (only NFC or none)");
        }
        Map<String, Object> vocab = object(path, model, "vocab");
        List<String> merges = new ArrayList<>();
        if (!(model.get("merges") instanceof List<?> ml)) {
            throw new ModelFileException(path, "model.merges is missing or not an array");
        }
        for (Object m : ml) {
            if (m instanceof String s) {
                merges.add(s);
            } else if (m instanceof List<?> pair && pair.size() == 2) {
                merges.add(pair.get(0) + " " + pair.get(1));
            } else {
                throw new ModelFileException(path, "model.merges[" + merges.size() + "] is neither \"a b\" nor [a, b]");
            }
        }
        List<AddedToken> added = new ArrayList<>();
        if (root.get("added_tokens") instanceof List<?> al) {
            for (Object o : al) {
                if (!(o instanceof Map<?, ?> t) || !(t.get("id") instanceof Long id) || !(t.get("content") instanceof String c)) {
                    throw new ModelFileException(path, "added_tokens[" + added.size() + "] lacks an integer id or a content string");
                }
                added.add(new AddedToken(Math.toIntExact(id), c, Boolean.TRUE.equals(t.get("special"))));
            }
        }
        String[] pieces = pieces(path, vocab, added);
        int bos = -1;
        boolean addBos = false;
        if (root.get("post_processor") instanceof Map<?, ?> pp && "TemplateProcessing".equals(pp.get("type"))
                && pp.get("single") instanceof List<?> single && !single.isEmpty()
                && single.get(0) instanceof Map<?, ?> first && first.get("SpecialToken") instanceof Map<?, ?> st
                && st.get("id") instanceof String bosText) {
            bos = find(pieces, added, bosText);
            addBos = bos >= 0;
        }
        int eos = -1;
        for (String candidate : new String[] {"<｜end▁of▁sentence｜>", "<|im_end|>", "<|endoftext|>"}) {
            eos = find(pieces, added, candidate);
            if (eos >= 0) {
                break;
            }
        }
        Path config = path.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            Map<String, Object> cfg = Tokenizers.readJsonObject(config);
            if (cfg.get("bos_token") != null) {
                bos = find(pieces, added, tokenText(cfg.get("bos_token")));
            }
            if (cfg.get("eos_token") != null) {
                eos = find(pieces, added, tokenText(cfg.get("eos_token")));
            }
            if (cfg.get("add_bos_token") instanceof Boolean b) {
                addBos = b && bos >= 0;
            }
        }
        try {
            return new ByteLevelBpeTokenizer(path.toString(), pieces, merges, added, null, bos, eos, addBos);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, e.getMessage(), e);
        }
    }

    private static String tokenText(Object o) {
        if (o instanceof Map<?, ?> m) {
            return String.valueOf(m.get("content"));
        }
        return String.valueOf(o);
    }

    private static int find(String[] pieces, List<AddedToken> added, String text) {
        for (AddedToken t : added) {
            if (t.content().equals(text)) {
                return t.id();
            }
        }
        for (int i = 0; i < pieces.length; i++) {
            if (text.equals(pieces[i])) {
                return i;
            }
        }
        return -1;
    }

    private static void checkPreTokenizer(Path path, Object pre) {
        String s = String.valueOf(pre);
        boolean qwen2 = pre instanceof Map<?, ?> m && "Sequence".equals(m.get("type"))
                && m.get("pretokenizers") instanceof List<?> l && l.size() == 2
                && l.get(0) instanceof Map<?, ?> split && "Split".equals(split.get("type"))
                && split.get("pattern") instanceof Map<?, ?> p && Tokenizers.QWEN2_PATTERN.equals(p.get("Regex"))
                && l.get(1) instanceof Map<?, ?> bl && "ByteLevel".equals(bl.get("type"))
                && !Boolean.TRUE.equals(bl.get("use_regex")) && !Boolean.TRUE.equals(bl.get("add_prefix_space"));
        if (!qwen2) {
            throw new ModelFileException(path, "unsupported pre_tokenizer (only the Qwen2 split regex followed by "
                    + "ByteLevel is implemented): " + (s.length() > 200 ? s.substring(0, 200) + "..." : s));
        }
    }

    static Map<String, Object> object(Path path, Map<String, Object> parent, String key) {
        if (!(parent.get(key) instanceof Map<?, ?> m)) {
            throw new ModelFileException(path, "'" + key + "' is missing or not an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) m;
        return r;
    }

    /** Id-indexed pieces from a piece-to-id map plus added tokens (which may extend the vocabulary). */
    static String[] pieces(Path path, Map<String, Object> vocab, List<AddedToken> added) {
        int max = -1;
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id > 10_000_000) {
                throw new ModelFileException(path, "vocabulary entry '" + e.getKey() + "' has id " + e.getValue()
                        + ", not an integer in 0..10000000");
            }
            max = Math.max(max, (int) (long) id);
        }
        for (AddedToken t : added) {
            if (t.id() > 10_000_000) {
                throw new ModelFileException(path, "added token '" + t.content() + "' has id " + t.id() + ", too large");
            }
            max = Math.max(max, t.id());
        }
        String[] pieces = new String[max + 1];
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            int id = (int) (long) (Long) e.getValue();
            if (pieces[id] != null) {
                throw new ModelFileException(path, "id " + id + " is given to both '" + pieces[id] + "' and '" + e.getKey() + "'");
            }
            pieces[id] = e.getKey();
        }
        for (AddedToken t : added) {
            pieces[t.id()] = t.content();
        }
        return pieces;
    }
}
