package dev.jinn.engine.session;

import java.util.List;

/**
 * Finds stop strings in streamed text across chunk boundaries. Text that could be the start of a stop string is
 * held back until it is known not to be one; the stop string itself and anything after it are never released.
 * Not thread-safe.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    boolean stopped() {
        return stopped;
    }

    /** Adds text; returns what may be released now (possibly empty). After a stop, returns "". */
    String accept(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        if (stops.isEmpty()) {
            return drain(pending.length());
        }
        int first = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        if (first >= 0) {
            stopped = true;
            String out = pending.substring(0, first);
            pending.setLength(0);
            return out;
        }
        return drain(pending.length() - heldBack());
    }

    /** Releases what is held back (at the end of generation). */
    String flush() {
        return stopped ? "" : drain(pending.length());
    }

    /** Length of the longest suffix of pending that is a proper prefix of some stop string. */
    private int heldBack() {
        int best = 0;
        for (String s : stops) {
            int max = Math.min(s.length() - 1, pending.length());
            for (int len = max; len > best; len--) {
                if (endsWithPrefix(pending, s, len)) {
                    best = len;
                    break;
                }
            }
        }
        // never split a surrogate pair
        int cut = pending.length() - best;
        if (cut > 0 && cut < pending.length() && Character.isHighSurrogate(pending.charAt(cut - 1))) {
            best++;
        }
        return best;
    }

    private String drain(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, n);
        return out;
    }

    /** Whether the last {@code len} chars of {@code sb} equal the first {@code len} chars of {@code s}. */
    static boolean endsWithPrefix(CharSequence sb, String s, int len) {
        int off = sb.length() - len;
        for (int i = 0; i < len; i++) {
            if (sb.charAt(off + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
