package dev.jinn.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds added tokens in text, leftmost-longest (as Hugging Face's Aho-Corasick matcher). Immutable. */
final class AddedTokenMatcher {
    private final BitSet firstChars = new BitSet();
    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();
    private final boolean empty;

    AddedTokenMatcher(List<AddedToken> tokens) {
        Map<Character, List<AddedToken>> lists = new HashMap<>();
        for (AddedToken t : tokens) {
            char c = t.content().charAt(0);
            firstChars.set(c);
            lists.computeIfAbsent(c, k -> new ArrayList<>()).add(t);
        }
        lists.forEach((c, l) -> {
            l.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
            byFirstChar.put(c, l.toArray(AddedToken[]::new));
        });
        empty = tokens.isEmpty();
    }

    boolean isEmpty() {
        return empty;
    }

    /** Receives the text between matches and the matches, in order. */
    interface Sink {
        void text(String s, int start, int end);

        void token(AddedToken t);
    }

    void split(String text, Sink sink) {
        int n = text.length();
        int segmentStart = 0;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            AddedToken hit = null;
            if (firstChars.get(c)) {
                for (AddedToken t : byFirstChar.get(c)) {
                    if (text.startsWith(t.content(), i)) {
                        hit = t;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (segmentStart < i) {
                sink.text(text, segmentStart, i);
            }
            sink.token(hit);
            i += hit.content().length();
            segmentStart = i;
        }
        if (segmentStart < n) {
            sink.text(text, segmentStart, n);
        }
    }
}
