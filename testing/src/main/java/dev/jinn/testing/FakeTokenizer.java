package dev.jinn.testing;

import dev.jinn.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small deterministic tokenizer for tests: ids 0–255 are single bytes, then control tokens ({@code <s>} = BOS,
 * {@code </s>} = EOS, {@code <think>}, {@code </think>}, {@code <|system|>}, {@code <|user|>},
 * {@code <|assistant|>}), then a few multi-byte words (so that text spans tokens in uneven ways). Multi-byte UTF-8
 * characters take several byte tokens, which exercises streaming decoding. Immutable and thread-safe.
 */
public final class FakeTokenizer implements Tokenizer {
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    public static final String THINK = "<think>";
    public static final String END_THINK = "</think>";
    public static final String SYSTEM = "<|system|>";
    public static final String USER = "<|user|>";
    public static final String ASSISTANT = "<|assistant|>";
    private static final List<String> CONTROL = List.of(BOS, EOS, THINK, END_THINK, SYSTEM, USER, ASSISTANT);
    private static final List<String> WORDS = List.of("Hello", " world", " the", "ing", " is", "STOP", "\n\n");

    private final List<String> pieces = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final boolean addBos;

    /** A tokenizer that adds BOS by default. */
    public FakeTokenizer() {
        this(true);
    }

    public FakeTokenizer(boolean addBos) {
        this.addBos = addBos;
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format("<0x%02X>", b));
        }
        for (String s : CONTROL) {
            ids.put(s, pieces.size());
            pieces.add(s);
        }
        for (String s : WORDS) {
            ids.put(s, pieces.size());
            pieces.add(s);
        }
    }

    public static int byteId(int b) {
        return b & 0xFF;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addBos) {
            out.add(bosId());
        }
        int i = 0;
        int plainStart = 0;
        while (i <= text.length()) {
            String special = null;
            if (parseSpecial && i < text.length()) {
                for (String s : CONTROL) {
                    if (text.startsWith(s, i)) {
                        special = s;
                        break;
                    }
                }
            }
            if (special != null || i == text.length()) {
                encodePlain(text.substring(plainStart, i), out);
                if (special == null) {
                    break;
                }
                out.add(ids.get(special));
                i += special.length();
                plainStart = i;
            } else {
                i++;
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodePlain(String s, List<Integer> out) {
        int i = 0;
        while (i < s.length()) {
            String word = null;
            for (String w : WORDS) {
                if (s.startsWith(w, i) && (word == null || w.length() > word.length())) {
                    word = w;
                }
            }
            if (word != null) {
                out.add(ids.get(word));
                i += word.length();
            } else {
                int cp = s.codePointAt(i);
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    out.add(byteId(b));
                }
                i += Character.charCount(cp);
            }
        }
    }

    private void appendBytes(int id, ByteArrayOutputStream buf) {
        if (id < 0 || id >= pieces.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + pieces.size());
        }
        if (id < 256) {
            buf.write(id);
        } else {
            buf.writeBytes(pieces.get(id).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int id : tokens) {
            appendBytes(id, buf);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Override
    public StreamingDecoder newStreamingDecoder(boolean showSpecial) {
        return new StreamingDecoder() {
            private final ByteArrayOutputStream held = new ByteArrayOutputStream();

            @Override
            public String accept(int id) {
                if (!showSpecial && isControl(id)) {
                    return "";
                }
                appendBytes(id, held);
                byte[] b = held.toByteArray();
                int cut = completePrefix(b);
                held.reset();
                held.write(b, cut, b.length - cut);
                return new String(b, 0, cut, StandardCharsets.UTF_8);
            }

            @Override
            public String flush() {
                String s = held.toString(StandardCharsets.UTF_8);
                held.reset();
                return s;
            }
        };
    }

    /** Length of the longest prefix that does not end inside an incomplete UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        for (int back = 1; back <= Math.min(3, b.length); back++) {
            int lead = b[b.length - back] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue; // continuation byte: look further back
            }
            int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            return need > back ? b.length - back : b.length;
        }
        return b.length;
    }

    @Override
    public int vocabularySize() {
        return pieces.size();
    }

    @Override
    public int bosId() {
        return ids.get(BOS);
    }

    @Override
    public int eosId() {
        return ids.get(EOS);
    }

    @Override
    public boolean addBosByDefault() {
        return addBos;
    }

    @Override
    public String tokenPiece(int id) {
        return pieces.get(id);
    }

    @Override
    public int tokenId(String piece) {
        return ids.getOrDefault(piece, -1);
    }

    @Override
    public boolean isControl(int id) {
        return id >= 256 && id < 256 + CONTROL.size();
    }

    /** Control tokens by text (for {@link dev.jinn.ModelInfo#specialTokens()}). */
    public Map<String, Integer> controlTokens() {
        Map<String, Integer> m = new HashMap<>();
        for (String s : CONTROL) {
            m.put(s, ids.get(s));
        }
        return m;
    }
}
