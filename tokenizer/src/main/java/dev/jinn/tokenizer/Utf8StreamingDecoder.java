package dev.jinn.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Streaming detokenizer: appends each token's bytes and emits only whole UTF-8 characters, holding back an
 * incomplete tail (at most 3 bytes) until the next token completes it. Invalid sequences become U+FFFD.
 */
final class Utf8StreamingDecoder implements Tokenizer.StreamingDecoder {
    /** Where token bytes come from. */
    interface Source {
        /** The token's bytes; {@code first} is true until the stream has had a non-control token. */
        byte[] bytes(int id, boolean first);

        /** Checks the id (throws IllegalArgumentException when out of range) and says whether it is control. */
        boolean isControl(int id);
    }

    private final Source source;
    private final boolean showSpecial;
    private byte[] pending = new byte[16];
    private int pendingLen;
    private boolean first = true;

    Utf8StreamingDecoder(Source source, boolean showSpecial) {
        this.source = source;
        this.showSpecial = showSpecial;
    }

    @Override
    public String accept(int id) {
        boolean isControl = source.isControl(id);
        if (isControl && !showSpecial) {
            return "";
        }
        byte[] b = source.bytes(id, first);
        first = first && isControl;
        if (pendingLen + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLen + b.length));
        }
        System.arraycopy(b, 0, pending, pendingLen, b.length);
        pendingLen += b.length;
        int cut = completePrefix(pending, pendingLen);
        if (cut == 0) {
            return "";
        }
        String s = new String(pending, 0, cut, StandardCharsets.UTF_8);
        System.arraycopy(pending, cut, pending, 0, pendingLen - cut);
        pendingLen -= cut;
        return s;
    }

    @Override
    public String flush() {
        String s = new String(pending, 0, pendingLen, StandardCharsets.UTF_8);
        pendingLen = 0;
        first = true;
        return s;
    }

    /** Length of the prefix that does not end inside an incomplete (so far valid) UTF-8 sequence. */
    static int completePrefix(byte[] buf, int len) {
        for (int k = len - 1; k >= 0 && k >= len - 3; k--) {
            int b = buf[k] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue;                                 // continuation byte: look further back for its lead
            }
            int need = b >= 0xF8 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return len - k < need ? k : len;
        }
        return len;
    }
}
