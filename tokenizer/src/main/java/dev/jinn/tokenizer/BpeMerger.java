package dev.jinn.tokenizer;

/**
 * Applies BPE merges to one pre-tokenized piece: the pair with the lowest rank merges first, the leftmost of equal
 * pairs first (as Hugging Face's {@code Word::merge_all}). Short pieces use a direct scan; long ones a linked list
 * with a binary heap, so a megabyte-long word costs O(n log n), never O(n²).
 * One instance per thread (it reuses its buffers).
 */
final class BpeMerger {
    /** Up to this many symbols the quadratic scan is faster than the heap. */
    private static final int SCAN_LIMIT = 48;
    private static final int KEEP_BUFFER_MAX = 1 << 16;

    private final MergeTable merges;
    private int[] prev = new int[0];
    private int[] next = new int[0];
    private long[] heap = new long[0];

    BpeMerger(MergeTable merges) {
        this.merges = merges;
    }

    /** Merges ids[0..n) in place and returns the new count. */
    int merge(int[] ids, int n) {
        return n <= SCAN_LIMIT ? mergeByScan(ids, n) : mergeByHeap(ids, n);
    }

    private int mergeByScan(int[] ids, int n) {
        while (n > 1) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                long m = merges.lookup(ids[i], ids[i + 1]);
                if (m != MergeTable.NONE && m < best) {   // rank is in the high bits: lower m = lower rank
                    best = m;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            ids[at] = (int) best;
            System.arraycopy(ids, at + 2, ids, at + 1, n - at - 2);
            n--;
        }
        return n;
    }

    private int mergeByHeap(int[] ids, int n) {
        if (prev.length < n) {
            prev = new int[n];
            next = new int[n];
        }
        try {
            return mergeByHeapInto(ids, n);
        } finally {
            if (prev.length > KEEP_BUFFER_MAX) {         // a huge word's buffers are not kept by the thread
                prev = next = new int[0];
            }
            if (heap.length > KEEP_BUFFER_MAX) {
                heap = new long[0];
            }
        }
    }

    private int mergeByHeapInto(int[] ids, int n) {
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        int heapSize = 0;
        for (int i = 0; i + 1 < n; i++) {
            long m = merges.lookup(ids[i], ids[i + 1]);
            if (m != MergeTable.NONE) {
                heapSize = push(heapSize, entry(m, i));
            }
        }
        while (heapSize > 0) {
            long top = heap[0];
            heapSize = pop(heapSize);
            int pos = (int) (top & 0xFFFFFFFFL);
            int rank = (int) (top >>> 32);
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) {
                continue;                                 // symbol merged away, or now last
            }
            long m = merges.lookup(ids[pos], ids[right]);
            if (m == MergeTable.NONE || (int) (m >>> 32) != rank) {
                continue;                                 // stale: the pair here changed since it was pushed
            }
            ids[pos] = (int) m;
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            int before = prev[pos];
            if (before >= 0) {
                long mb = merges.lookup(ids[before], ids[pos]);
                if (mb != MergeTable.NONE) {
                    heapSize = push(heapSize, entry(mb, before));
                }
            }
            if (after >= 0) {
                long ma = merges.lookup(ids[pos], ids[after]);
                if (ma != MergeTable.NONE) {
                    heapSize = push(heapSize, entry(ma, pos));
                }
            }
        }
        int out = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            ids[out++] = ids[i];
        }
        return out;
    }

    private static long entry(long rankAndMerged, int pos) {
        return (rankAndMerged & 0xFFFFFFFF00000000L) | pos;
    }

    private int push(int size, long v) {
        if (size == heap.length) {
            heap = java.util.Arrays.copyOf(heap, Math.max(16, size * 2));
        }
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
        return size + 1;
    }

    private int pop(int size) {
        long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return size;
    }
}
