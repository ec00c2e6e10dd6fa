package dev.jinn.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * SentencePiece-style BPE as llama.cpp's SPM tokenizer and llama2.c run it: spaces become the space marker
 * ("▁", or a plain space for llama2.c files), a space is prefixed to each text fragment at the start or after an
 * added token, characters merge pairwise by highest piece score (leftmost first on ties), and characters without
 * a piece fall back to byte tokens {@code <0xHH>}. Immutable and thread-safe.
 */
final class SentencePieceBpeTokenizer implements Tokenizer {
    private final String[] pieces;
    private final int[] scoreRank;           // id -> rank of its score (0 = highest)
    private final Map<String, Integer> idOf;
    private final int[] byteIds = new int[256];
    private final byte[][] bytesOf;
    private final boolean[] control;
    private final String spaceMarker;
    private final boolean addSpacePrefix;
    /**
     * True when no piece has the space marker right after another character: then no merge can cross the start of
     * a word ("x▁"), and each word is merged on its own (exactly the same ids, memory bounded by the longest word).
     */
    final boolean wordsMergeAlone;
    private final AddedTokenMatcher addedTokens;
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final boolean addBos;

    /**
     * @param types per id, llama.cpp token types (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte)
     */
    SentencePieceBpeTokenizer(String source, String[] pieces, float[] scores, int[] types, String spaceMarker,
                              boolean addSpacePrefix, int bosId, int eosId, boolean addBos) {
        int n = pieces.length;
        if (scores.length != n || types.length != n) {
            throw new IllegalArgumentException(source + ": " + n + " tokens but " + scores.length + " scores and "
                    + types.length + " token types");
        }
        this.pieces = pieces;
        this.spaceMarker = spaceMarker;
        this.addSpacePrefix = addSpacePrefix;
        boolean crossing = false;
        char marker = spaceMarker.charAt(0);
        for (String p : pieces) {
            for (int i = 1; i < p.length() && !crossing; i++) {
                crossing = p.charAt(i) == marker && p.charAt(i - 1) != marker;
            }
        }
        this.wordsMergeAlone = spaceMarker.length() == 1 && !crossing;
        this.idOf = new HashMap<>(n * 2);
        this.control = new boolean[n];
        this.bytesOf = new byte[n][];
        Arrays.fill(byteIds, -1);
        List<AddedToken> added = new java.util.ArrayList<>();
        int unk = -1;
        for (int id = 0; id < n; id++) {
            String p = pieces[id];
            idOf.putIfAbsent(p, id);
            control[id] = types[id] == 3;
            if (types[id] == 2 && unk < 0) {
                unk = id;
            }
            if ((types[id] == 3 || types[id] == 4) && !p.isEmpty()) {
                added.add(new AddedToken(id, p, types[id] == 3));
            }
            int b = byteTokenValue(p);
            if (b >= 0 && types[id] == 6) {
                if (byteIds[b] < 0) {
                    byteIds[b] = id;
                }
                bytesOf[id] = new byte[] {(byte) b};
            } else {
                bytesOf[id] = p.replace(spaceMarker, " ").getBytes(StandardCharsets.UTF_8);
            }
        }
        this.unkId = unk >= 0 ? unk : 0;
        this.addedTokens = new AddedTokenMatcher(added);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
        this.scoreRank = new int[n];
        int rank = 0;
        for (int k = 0; k < n; k++) {
            if (k > 0 && scores[order[k]] != scores[order[k - 1]]) {
                rank = k;
            }
            scoreRank[order[k]] = rank;
        }
        if (bosId >= n || eosId >= n) {
            throw new IllegalArgumentException(source + ": bos " + bosId + " or eos " + eosId + " outside the vocabulary of " + n);
        }
        this.bosId = Math.max(bosId, -1);
        this.eosId = Math.max(eosId, -1);
        this.addBos = addBos && bosId >= 0;
    }

    /** 0..255 for a piece "&lt;0xHH&gt;", else -1. */
    private static int byteTokenValue(String p) {
        if (p.length() != 6 || !p.startsWith("<0x") || p.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(p.charAt(3), 16);
        int lo = Character.digit(p.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        return encode(text, addBos, parseSpecial, wordsMergeAlone);
    }

    /** {@link #encode(String, boolean, boolean)}, merging word by word only when {@code splitWords} (tests compare). */
    int[] encode(String text, boolean addBos, boolean parseSpecial, boolean splitWords) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(text.length() / 2 + 4);
        if (addBos && bosId >= 0) {
            out.add(bosId);
        }
        if (parseSpecial && !addedTokens.isEmpty()) {
            boolean[] prevSpecial = {true};
            addedTokens.split(text, new AddedTokenMatcher.Sink() {
                @Override
                public void text(String s, int start, int end) {
                    encodeFragment(s.substring(start, end), prevSpecial[0], splitWords, out);
                    prevSpecial[0] = false;
                }

                @Override
                public void token(AddedToken t) {
                    out.add(t.id());
                    prevSpecial[0] = true;
                }
            });
        } else if (!text.isEmpty()) {
            encodeFragment(text, true, splitWords, out);
        }
        return out.toArray();
    }

    private void encodeFragment(String raw, boolean prefix, boolean splitWords, IntList out) {
        String t = TextNormalization.replaceUnpairedSurrogates(raw);
        if (prefix && addSpacePrefix) {
            t = " " + t;
        }
        String s = spaceMarker.equals(" ") ? t : t.replace(" ", spaceMarker);
        if (!splitWords) {
            encodeSymbols(s, out);
            return;
        }
        char marker = spaceMarker.charAt(0);
        int from = 0;
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i) == marker && s.charAt(i - 1) != marker) {
                encodeSymbols(s.substring(from, i), out);
                from = i;
            }
        }
        encodeSymbols(from == 0 ? s : s.substring(from), out);
    }

    /** Merges the code points of s by piece score and appends the ids (byte fallback for unknown symbols). */
    private void encodeSymbols(String s, IntList out) {
        int len = s.length();
        if (len == 0) {
            return;
        }
        // Symbols are code points: start offsets in s, linked by next/prev, with the id they currently form.
        int[] start = new int[len + 1];
        int count = 0;
        for (int i = 0; i < len; i += Character.charCount(s.codePointAt(i))) {
            start[count++] = i;
        }
        start[count] = len;
        int[] end = new int[count];
        int[] next = new int[count];
        int[] prev = new int[count];
        for (int k = 0; k < count; k++) {
            end[k] = start[k + 1];
            next[k] = k + 1 < count ? k + 1 : -1;
            prev[k] = k - 1;
        }
        LongHeap heap = new LongHeap();
        for (int k = 0; k + 1 < count; k++) {
            pushPair(s, start, end, k, k + 1, heap);
        }
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int left = (int) (top & 0xFFFFFFFFL);
            int rank = (int) (top >>> 32);
            int right = next[left];
            if (end[left] < 0 || right < 0) {
                continue;
            }
            Integer id = idOf.get(s.substring(start[left], end[right]));
            if (id == null || scoreRank[id] != rank) {
                continue;                                  // stale entry
            }
            end[left] = end[right];
            end[right] = -1;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
            }
            if (prev[left] >= 0) {
                pushPair(s, start, end, prev[left], left, heap);
            }
            if (next[left] >= 0) {
                pushPair(s, start, end, left, next[left], heap);
            }
        }
        for (int k = 0; k >= 0 && count > 0; k = next[k]) {
            String sym = s.substring(start[k], end[k]);
            Integer id = idOf.get(sym);
            if (id != null && !control[id]) {
                out.add(id);
                continue;
            }
            for (byte b : sym.getBytes(StandardCharsets.UTF_8)) {
                int bid = byteIds[b & 0xFF];
                out.add(bid >= 0 ? bid : unkId);
            }
        }
    }

    private void pushPair(String s, int[] start, int[] end, int left, int right, LongHeap heap) {
        Integer id = idOf.get(s.substring(start[left], end[right]));
        if (id != null && !control[id]) {
            heap.push(((long) scoreRank[id] << 32) | left);
        }
    }

    @Override
    public String decode(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        ByteArrayOutputStream buf = new ByteArrayOutputStream(ids.length * 4);
        boolean first = true;
        for (int id : ids) {
            check(id);
            buf.writeBytes(bytes(id, first));
            first = first && control[id];
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** The token's bytes; the first non-control token of a text loses the space the encoder prefixed. */
    private byte[] bytes(int id, boolean first) {
        byte[] b = bytesOf[id];
        if (first && addSpacePrefix && !control[id] && b.length > 0 && b[0] == ' ') {
            return Arrays.copyOfRange(b, 1, b.length);
        }
        return b;
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
                return SentencePieceBpeTokenizer.this.bytes(id, first);
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
        return pieces[check(id)];
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
        return "SentencePiece-style BPE tokenizer (" + pieces.length + " tokens)";
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a = new long[64];
        private int size;

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0 && a[(i - 1) >>> 1] > v) {
                a[i] = a[(i - 1) >>> 1];
                i = (i - 1) >>> 1;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) {
                    break;
                }
                if (c + 1 < size && a[c + 1] < a[c]) {
                    c++;
                }
                if (a[c] >= last) {
                    break;
                }
                a[i] = a[c];
                i = c;
            }
            if (size > 0) {
                a[i] = last;
            }
            return top;
        }
    }
}
