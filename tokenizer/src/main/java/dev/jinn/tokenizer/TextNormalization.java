package dev.jinn.tokenizer;

import java.text.Normalizer;

/** Text clean-up before tokenization. */
final class TextNormalization {
    private TextNormalization() {}

    /** Replaces each unpaired surrogate by U+FFFD (what a Rust string, always valid UTF-8, would hold). */
    static String replaceUnpairedSurrogates(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && !Character.isSurrogate(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder b = null;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) {
                if (b != null) {
                    b.append(c);
                }
                continue;
            }
            boolean paired = Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (b != null) {
                    b.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else {
                if (b == null) {
                    b = new StringBuilder(n).append(s, 0, i);
                }
                b.append('\uFFFD');
            }
        }
        return b == null ? s : b.toString();
    }

    /** NFC, skipping the work for text that is already normalized (ASCII always is). */
    static String nfc(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && s.charAt(i) < 0x300) {
            i++;
        }
        if (i == n || Normalizer.isNormalized(s, Normalizer.Form.NFC)) {
            return s;
        }
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }
}
