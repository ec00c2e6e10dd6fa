package dev.jinn.tokenizer;

/**
 * Splits text the way Qwen2's pre-tokenizer regex does, written as a state machine over code points:
 *
 * <pre>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</pre>
 *
 * <p>Character classes follow Oniguruma (which Hugging Face {@code tokenizers} uses): {@code \p{L}} is the general
 * categories Lu/Ll/Lt/Lm/Lo, {@code \p{N}} Nd/Nl/No, and {@code \s} is U+0009..U+000D, U+0085 and the Zs/Zl/Zp
 * categories (so U+00A0 is a space, unlike {@link Character#isWhitespace}). Hand-written because
 * {@link java.util.regex.Pattern} differs in these classes and is slower. Input must not hold unpaired surrogates.
 */
final class Qwen2PreTokenizer {
    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte SPACE = 3;
    /** CR or LF (also spaces). */
    static final byte NEWLINE = 4;

    /** Classes of the Basic Multilingual Plane, computed once. */
    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int c = 0; c < 0x10000; c++) {
            BMP[c] = computeClass(c);
        }
    }

    private Qwen2PreTokenizer() {}

    private static byte computeClass(int c) {
        if (c == '\r' || c == '\n') {
            return NEWLINE;
        }
        if ((c >= 0x09 && c <= 0x0D) || c == 0x85) {
            return SPACE;
        }
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SPACE;
            default -> OTHER;
        };
    }

    static byte classOf(int cp) {
        return cp < 0x10000 ? BMP[cp] : computeClass(cp);
    }

    /** Returns the end (exclusive) of the piece that starts at {@code i}; {@code i < n}. */
    static int pieceEnd(String s, int i, int n) {
        int c = s.codePointAt(i);
        int j = i + Character.charCount(c);
        byte cls = classOf(c);
        if (c == '\'' && j < n) {
            int end = contractionEnd(s, j, n);
            if (end > 0) {
                return end;
            }
        }
        if (cls == LETTER) {
            return letters(s, j, n);
        }
        if (cls != NUMBER && cls != NEWLINE && j < n) {
            int d = s.codePointAt(j);
            if (classOf(d) == LETTER) {
                return letters(s, j + Character.charCount(d), n);
            }
        }
        if (cls == NUMBER) {
            return j;
        }
        if (cls == OTHER) {
            return othersThenNewlines(s, j, n);
        }
        if (c == ' ' && j < n) {
            int d = s.codePointAt(j);
            if (classOf(d) == OTHER) {
                return othersThenNewlines(s, j + Character.charCount(d), n);
            }
        }
        // Whitespace: find the run [i, e) and the end of its last CR/LF. Whitespace is all in the BMP.
        int e = i;
        int afterLastNewline = -1;
        while (e < n) {
            byte k = classOf(s.charAt(e));
            if (k == NEWLINE) {
                afterLastNewline = e + 1;
            } else if (k != SPACE) {
                break;
            }
            e++;
        }
        if (afterLastNewline > 0) {
            return afterLastNewline;                  // \s*[\r\n]+
        }
        if (e == n || e - i == 1) {
            return e;                                 // \s+(?!\S) at the end, or a lone \s+
        }
        return e - 1;                                 // \s+(?!\S): leave the last space to the next word
    }

    private static int letters(String s, int j, int n) {
        while (j < n) {
            int d = s.codePointAt(j);
            if (classOf(d) != LETTER) {
                break;
            }
            j += Character.charCount(d);
        }
        return j;
    }

    private static int othersThenNewlines(String s, int j, int n) {
        while (j < n) {
            int d = s.codePointAt(j);
            if (classOf(d) != OTHER) {
                break;
            }
            j += Character.charCount(d);
        }
        while (j < n && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
            j++;
        }
        return j;
    }

    /** After an apostrophe at j-1: end of 's 't 're 've 'm 'll 'd (any case, 'ſ' folds to 's'), or -1. */
    private static int contractionEnd(String s, int j, int n) {
        char a = Character.toLowerCase(s.charAt(j));
        if (a == 's' || a == 't' || a == 'm' || a == 'd' || a == '\u017F') {
            return j + 1;
        }
        if (j + 1 < n) {
            char b = Character.toLowerCase(s.charAt(j + 1));
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return j + 2;
            }
        }
        return -1;
    }
}
