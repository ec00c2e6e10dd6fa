package dev.jinn.tokenizer;

/**
 * BPE results of recent pieces, keyed by the piece's characters, looked up without creating a String for the key.
 * One per thread (not thread-safe). When it fills up it starts over, so memory stays bounded.
 */
final class PieceCache {
    private static final int MAX_CAPACITY = 1 << 16;             // slots; at most 3/4 used
    private String[] keys = new String[256];                     // starts small: threads that encode little stay cheap
    private int[][] values = new int[256][];
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
        int mask = keys.length - 1;
        int i = hash & mask;
        String k;
        while ((k = keys[i]) != null) {
            if (k.length() == len && k.regionMatches(0, s, start, len)) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    void put(String s, int start, int end, int hash, int[] ids) {
        if (size >= keys.length * 3 / 4) {
            if (keys.length < MAX_CAPACITY) {
                grow();
            } else {
                java.util.Arrays.fill(keys, null);
                java.util.Arrays.fill(values, null);
                size = 0;
            }
        }
        insert(s.substring(start, end), hash, ids);
    }

    private void insert(String key, int hash, int[] ids) {
        int mask = keys.length - 1;
        int i = hash & mask;
        while (keys[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = ids;
        size++;
    }

    private void grow() {
        String[] oldKeys = keys;
        int[][] oldValues = values;
        keys = new String[oldKeys.length * 2];
        values = new int[oldKeys.length * 2][];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                insert(oldKeys[i], hash(oldKeys[i], 0, oldKeys[i].length()), oldValues[i]);
            }
        }
    }
}
