package dev.jinn.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Byte-level BPE with the Qwen2 pre-tokenizer and NFC normalization (Qwen2, DeepSeek-R1-Distill-Qwen): the ids
 * Hugging Face {@code tokenizers} gives for the same tokenizer.json. Immutable and thread-safe; results for short
 * pieces are cached (bounded).
 */
final class ByteLevelBpeTokenizer implements Tokenizer {
    private static final int CACHE_MAX_PIECE_CHARS = 32;
    private static final int KEEP_BUFFER_MAX = 1 << 16;

    private final String[] pieces;          // id -> vocabulary text (byte-level form; added tokens as written)
    private final Map<String, Integer> idOf;
    private final byte[][] bytesOf;         // id -> the bytes it decodes to
    private final boolean[] control;
    private final int[] byteToId = new int[256];
    private final MergeTable merges;
    private final AddedTokenMatcher addedTokens;
    private final int bosId;
    private final int eosId;
    private final boolean addBos;
    private final ThreadLocal<Work> work;

    /** Per-thread scratch space. */
    private static final class Work {
        final BpeMerger merger;
        final PieceCache cache = new PieceCache();
        int[] ids = new int[256];

        Work(MergeTable merges) {
            merger = new BpeMerger(merges);
        }
    }

    /**
     * @param pieces  vocabulary text per id (byte-level form); null where an id is unused
     * @param merges  "left right" strings, best first
     * @param added   tokens matched whole before BPE (their ids must be inside {@code pieces})
     * @param control per id, whether it is a control token (null: from {@code added}'s special flags)
     */
    ByteLevelBpeTokenizer(String source, String[] pieces, List<String> merges, List<AddedToken> added,
                          boolean[] control, int bosId, int eosId, boolean addBos) {
        int n = pieces.length;
        this.pieces = pieces;
        this.idOf = new HashMap<>(n * 2);
        for (int id = 0; id < n; id++) {
            if (pieces[id] != null) {
                idOf.putIfAbsent(pieces[id], id);
            }
        }
        this.control = control != null ? control : new boolean[n];
        boolean[] isAdded = new boolean[n];
        for (AddedToken t : added) {
            if (t.id() >= n) {
                throw new IllegalArgumentException(source + ": added token " + t.id() + " is outside the vocabulary of " + n);
            }
            isAdded[t.id()] = true;
            idOf.put(t.content(), t.id());
            if (control == null && t.special()) {
                this.control[t.id()] = true;
            }
        }
        this.bytesOf = new byte[n][];
        for (int id = 0; id < n; id++) {
            String p = pieces[id];
            if (p == null) {
                bytesOf[id] = new byte[0];
            } else if (isAdded[id] || this.control[id]) {
                bytesOf[id] = p.getBytes(StandardCharsets.UTF_8);
            } else {
                byte[] b = ByteLevel.decode(p);
                bytesOf[id] = b != null ? b : p.getBytes(StandardCharsets.UTF_8);
            }
        }
        for (int b = 0; b < 256; b++) {
            Integer id = idOf.get(String.valueOf(ByteLevel.BYTE_TO_CHAR[b]));
            if (id == null) {
                throw new IllegalArgumentException(source + ": the vocabulary lacks the byte-level token for byte 0x"
                        + Integer.toHexString(b) + " ('" + ByteLevel.BYTE_TO_CHAR[b] + "')");
            }
            byteToId[b] = id;
        }
        this.merges = new MergeTable(merges.size());
        int rank = 0;
        for (String m : merges) {
            int sp = m.indexOf(' ');
            if (sp <= 0 || sp == m.length() - 1 || m.indexOf(' ', sp + 1) >= 0) {
                throw new IllegalArgumentException(source + ": merge " + rank + " is not two pieces separated by one space: '" + m + "'");
            }
            String l = m.substring(0, sp);
            String r = m.substring(sp + 1);
            Integer li = idOf.get(l);
            Integer ri = idOf.get(r);
            Integer mi = idOf.get(l + r);
            if (li == null || ri == null || mi == null) {
                throw new IllegalArgumentException(source + ": merge " + rank + " '" + m + "' refers to a piece missing from the vocabulary");
            }
            this.merges.put(li, ri, rank, mi);
            rank++;
        }
        this.addedTokens = new AddedTokenMatcher(added);
        this.bosId = checkId(source, "bos", bosId, n);
        this.eosId = checkId(source, "eos", eosId, n);
        this.addBos = addBos && bosId >= 0;
        this.work = ThreadLocal.withInitial(() -> new Work(this.merges));
    }

    private static int checkId(String source, String what, int id, int n) {
        if (id >= n) {
            throw new IllegalArgumentException(source + ": " + what + " id " + id + " is outside the vocabulary of " + n);
        }
        return Math.max(id, -1);
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(text.length() / 3 + 4);
        if (addBos && bosId >= 0) {
            out.add(bosId);
        }
        if (parseSpecial && !addedTokens.isEmpty()) {
            addedTokens.split(text, new AddedTokenMatcher.Sink() {
                @Override
                public void text(String s, int start, int end) {
                    encodeText(s.substring(start, end), out);
                }

                @Override
                public void token(AddedToken t) {
                    out.add(t.id());
                }
            });
        } else {
            encodeText(text, out);
        }
        return out.toArray();
    }

    private void encodeText(String raw, IntList out) {
        String s = TextNormalization.nfc(TextNormalization.replaceUnpairedSurrogates(raw));
        int n = s.length();
        Work w = work.get();
        int i = 0;
        while (i < n) {
            int end = Qwen2PreTokenizer.pieceEnd(s, i, n);
            encodePiece(s, i, end, out, w);
            i = end;
        }
    }

    private void encodePiece(String s, int start, int end, IntList out, Work w) {
        boolean cacheable = end - start <= CACHE_MAX_PIECE_CHARS;
        int hash = 0;
        if (cacheable) {
            hash = PieceCache.hash(s, start, end);
            int[] hit = w.cache.get(s, start, end, hash);
            if (hit != null) {
                out.addAll(hit, hit.length);
                return;
            }
        }
        int[] ids = w.ids;
        int need = (end - start) * 3 + 1;                // UTF-8 bytes: at most 3 per char (4 per surrogate pair)
        if (ids.length < need) {
            ids = new int[need + 16];
            if (need <= KEEP_BUFFER_MAX) {
                w.ids = ids;                               // keep; a huge piece's buffer is not kept by the thread
            }
        }
        int n = 0;
        for (int i = start; i < end; ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c < 0x80) {
                ids[n++] = byteToId[c];
            } else if (c < 0x800) {
                ids[n++] = byteToId[0xC0 | (c >> 6)];
                ids[n++] = byteToId[0x80 | (c & 0x3F)];
            } else if (c < 0x10000) {
                ids[n++] = byteToId[0xE0 | (c >> 12)];
                ids[n++] = byteToId[0x80 | ((c >> 6) & 0x3F)];
                ids[n++] = byteToId[0x80 | (c & 0x3F)];
            } else {
                ids[n++] = byteToId[0xF0 | (c >> 18)];
                ids[n++] = byteToId[0x80 | ((c >> 12) & 0x3F)];
                ids[n++] = byteToId[0x80 | ((c >> 6) & 0x3F)];
                ids[n++] = byteToId[0x80 | (c & 0x3F)];
            }
        }
        n = w.merger.merge(ids, n);
        out.addAll(ids, n);
        if (cacheable) {
            w.cache.put(s, start, end, hash, Arrays.copyOf(ids, n));
        }
    }

    @Override
    public String decode(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        ByteArrayOutputStream buf = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            buf.writeBytes(bytesOf[check(id)]);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private int check(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (pieces.length - 1) + ")");
        }
        return id;
    }

    @Override
    public StreamingDecoder newStreamingDecoder(boolean showSpecial) {
        return new Utf8StreamingDecoder(new Utf8StreamingDecoder.Source() {
            @Override
            public byte[] bytes(int id, boolean first) {
                return bytesOf[id];
            }

            @Override
            public boolean isControl(int id) {
                return control[check(id)];
            }
        }, showSpecial);
    }

    @Override
    public int vocabularySize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public boolean addBosByDefault() {
        return addBos;
    }

    @Override
    public String tokenPiece(int id) {
        String p = pieces[check(id)];
        return p == null ? "" : p;
    }

    @Override
    public int tokenId(String piece) {
        Integer id = idOf.get(Objects.requireNonNull(piece, "piece"));
        return id == null ? -1 : id;
    }

    @Override
    public boolean isControl(int id) {
        return control[check(id)];
    }

    @Override
    public String toString() {
        return "byte-level BPE tokenizer (" + pieces.length + " tokens, " + merges.size() + " merges)";
    }
}
