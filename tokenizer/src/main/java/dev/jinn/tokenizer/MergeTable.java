package dev.jinn.tokenizer;

import java.util.Arrays;

/**
 * Byte-pair merges of a BPE vocabulary keyed by the pair of token ids: (left, right) to (rank, merged id), in an
 * open-addressing table of primitive arrays (no boxing on the encoding path). Immutable after construction.
 */
final class MergeTable {
    /** Returned by {@link #lookup} when the pair does not merge. */
    static final long NONE = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, -1L);
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** Adds a merge; a pair seen before keeps its first (lowest) rank, as in Hugging Face. */
    void put(int left, int right, int rank, int merged) {
        long k = key(left, right);
        int i = slot(k, mask);
        while (keys[i] != -1L) {
            if (keys[i] == k) {
                return;
            }
            i = (i + 1) & mask;
        }
        if (size + 1 > keys.length * 3 / 4) {
            throw new IllegalStateException("merge table over capacity");
        }
        keys[i] = k;
        values[i] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
    }

    /** (rank << 32 | merged id) of the pair, or {@link #NONE}. */
    long lookup(int left, int right) {
        long k = key(left, right);
        int i = slot(k, mask);
        long stored;
        while ((stored = keys[i]) != -1L) {
            if (stored == k) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return NONE;
    }

    int size() {
        return size;
    }
}
