package dev.jinn.engine.session;

import java.util.Arrays;

/** A growable list of token ids. Not thread-safe. */
final class TokenList {
    private int[] ids;
    private int size;

    TokenList() {
        this(new int[16], 0);
    }

    private TokenList(int[] ids, int size) {
        this.ids = ids;
        this.size = size;
    }

    static TokenList of(int[] ids) {
        return new TokenList(Arrays.copyOf(ids, Math.max(16, ids.length)), ids.length);
    }

    int size() {
        return size;
    }

    int get(int i) {
        return ids[i];
    }

    int[] raw() {
        return ids;
    }

    void add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
    }

    void addAll(int[] more, int from, int to) {
        for (int i = from; i < to; i++) {
            add(more[i]);
        }
    }

    void truncate(int n) {
        size = Math.min(size, n);
    }

    int[] toArray() {
        return Arrays.copyOf(ids, size);
    }

    TokenList copy() {
        return new TokenList(ids.clone(), size);
    }

    /** Length of the common prefix with {@code other}. */
    int commonPrefix(int[] other) {
        int n = Math.min(size, other.length);
        int i = 0;
        while (i < n && ids[i] == other[i]) {
            i++;
        }
        return i;
    }
}
