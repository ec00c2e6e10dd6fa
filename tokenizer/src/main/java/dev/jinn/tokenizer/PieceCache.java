package dev.jinn.tokenizer;

/**
 * BPE results of recent pieces, keyed by the piece's characters, looked up without creating a String for the key.
 * One per thread (not thread-safe). When it fills up it starts over, so memory stays bounded.
 */
final class PieceCache {
    private static final int CAPACITY = 1 << 16;                 // slots; at most 3/4 used
    private final String[] keys = new String[CAPACITY];
    private final int[][] values = new int[CAPACITY][];
    private int size;

    static int hash(String s, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h ^ (h >>> 16);
    }

    /** The cached ids of s[start, end), or null. */
    int[] get(String s, int start, int end, int hash) {
        int len = end - start;
        int i = hash & (CAPACITY - 1);
        String k;
        while ((k = keys[i]) != null) {
            if (k.length() == len && k.regionMatches(0, s, start, len)) {
                return values[i];
            }
            i = (i + 1) & (CAPACITY - 1);
        }
        return null;
    }

    void put(String s, int start, int end, int hash, int[] ids) {
        if (size >= CAPACITY * 3 / 4) {
            java.util.Arrays.fill(keys, null);
            java.util.Arrays.fill(values, null);
            size = 0;
        }
        int i = hash & (CAPACITY - 1);
        while (keys[i] != null) {
            i = (i + 1) & (CAPACITY - 1);
        }
        keys[i] = s.substring(start, end);
        values[i] = ids;
        size++;
    }
}
