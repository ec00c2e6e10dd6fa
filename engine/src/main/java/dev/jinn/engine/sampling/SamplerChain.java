package dev.jinn.engine.sampling;

import dev.jinn.Sampler;
import java.util.Arrays;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Applies a {@link Sampler} to logits: logit bias → penalties → top-k → top-p → min-p → temperature → draw.
 * Deterministic for the same logits, recent tokens and random generator state. Not thread-safe (scratch buffers);
 * one per generation.
 */
public final class SamplerChain {
    private final Sampler sampler;
    private float[] scratch = new float[0];
    private int[] order = new int[0];
    private double[] probs = new double[0];

    public SamplerChain(Sampler sampler) {
        this.sampler = sampler;
    }

    public Sampler sampler() {
        return sampler;
    }

    /**
     * Chooses the next token.
     *
     * @param logits  one row of {@code vocabSize} logits; not modified
     * @param recent  previous tokens (prompt and generated), oldest first; the last {@code penaltyLastN} are penalized
     * @param recentLength valid entries of {@code recent}
     * @param rng     the random source (unused when greedy)
     */
    public int sample(float[] logits, int[] recent, int recentLength, RandomGenerator rng) {
        int n = logits.length;
        if (scratch.length != n) {
            scratch = new float[n];
        }
        float[] l = scratch;
        System.arraycopy(logits, 0, l, 0, n);
        for (Map.Entry<Integer, Float> e : sampler.logitBias().entrySet()) {
            if (e.getKey() < n) {
                l[e.getKey()] += e.getValue();
            }
        }
        applyPenalties(l, recent, recentLength);
        if (sampler.isGreedy()) {
            return argmax(l);
        }
        return draw(l, rng);
    }

    private void applyPenalties(float[] l, int[] recent, int recentLength) {
        int window = Math.min(sampler.penaltyLastN(), recentLength);
        boolean off = sampler.repetitionPenalty() == 1f && sampler.frequencyPenalty() == 0f
                && sampler.presencePenalty() == 0f;
        if (window == 0 || off) {
            return;
        }
        // count occurrences of each token in the window
        java.util.HashMap<Integer, Integer> counts = new java.util.HashMap<>();
        for (int i = recentLength - window; i < recentLength; i++) {
            counts.merge(recent[i], 1, Integer::sum);
        }
        for (var e : counts.entrySet()) {
            int t = e.getKey();
            if (t < 0 || t >= l.length) {
                continue;
            }
            float v = l[t];
            float rp = sampler.repetitionPenalty();
            v = v > 0 ? v / rp : v * rp;
            v -= e.getValue() * sampler.frequencyPenalty() + sampler.presencePenalty();
            l[t] = v;
        }
    }

    static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }

    /** How many top candidates a nucleus (top-p / min-p) is first looked for in before sorting everything. */
    static final int FIRST_PASS = 256;

    /** For tests: always sort the whole vocabulary (the reference the fast path must equal). */
    boolean alwaysSortAll;

    private int draw(float[] l, RandomGenerator rng) {
        int n = l.length;
        if (order.length != n) {
            order = new int[n];
            probs = new double[n];
        }
        // candidates: finite logits, in id order
        int count = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = l[i];
            if (v != Float.NEGATIVE_INFINITY && !Float.isNaN(v)) {
                order[count++] = i;
                max = Math.max(max, v);
            }
        }
        if (count == 0) {
            return argmax(l);
        }
        boolean truncating = sampler.topK() > 0 || sampler.topP() < 1f || sampler.minP() > 0f;
        if (truncating) {
            count = nucleus(l, count, max);
        }
        // order[0..count) are the survivors (sorted by logit when truncating); draw with temperature
        double t = sampler.temperature();
        double total = 0;
        for (int i = 0; i < count; i++) {
            probs[i] = Math.exp((l[order[i]] - max) / t);
            total += probs[i];
        }
        double r = rng.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < count; i++) {
            acc += probs[i];
            if (r < acc) {
                return order[i];
            }
        }
        return order[count - 1];
    }

    /**
     * Applies top-k, top-p and min-p to the candidates order[0..count) and returns how many survive, sorted by
     * logit descending (ties: smaller id) at the front of {@link #order}. Top-p and min-p use the softmax without
     * temperature, as llama.cpp does. A nucleus is usually a few tokens out of 150k, so it is first looked for among
     * the {@link #FIRST_PASS} best (a heap selection); only when it is not all there is everything sorted. Both
     * paths give the same survivors.
     */
    private int nucleus(float[] l, int count, float max) {
        int k = sampler.topK() > 0 ? Math.min(sampler.topK(), count) : count;
        boolean fast = !alwaysSortAll && count > FIRST_PASS;
        int sorted; // order[0..sorted) is sorted and holds every survivor
        double sum; // softmax denominator over the top-k
        if (fast && k <= FIRST_PASS) {
            selectTop(l, count, k);
            sorted = k;
            sum = expSum(l, max, k);
        } else if (fast && k == count) {
            double all = 0;
            for (int i = 0; i < count; i++) {
                all += Math.exp(l[order[i]] - max);
            }
            sorted = -1;
            // look for the nucleus among the best 256, then the best 4096, before sorting everything
            for (int first = FIRST_PASS; first < count && sorted < 0; first *= 16) {
                listCandidates(l);
                selectTop(l, count, first);
                double head = expSum(l, max, first);
                boolean topPInside = sampler.topP() < 1f && head / all >= sampler.topP();
                boolean minPInside = sampler.minP() > 0f && Math.exp(l[order[first - 1]] - max) < sampler.minP();
                if (topPInside || minPInside) {
                    sorted = first;
                }
            }
            if (sorted < 0) {
                listCandidates(l); // selectTop overwrote the front of order
                sortAll(l, count);
                sorted = count;
            }
            sum = all;
        } else {
            // top-k off: the denominator is summed in id order, as the fast path does, so both agree to the bit
            double all = 0;
            if (k == count) {
                for (int i = 0; i < count; i++) {
                    all += Math.exp(l[order[i]] - max);
                }
            }
            sortAll(l, count);
            sorted = k;
            sum = k == count ? all : expSum(l, max, k);
        }
        int keep = sorted;
        if (sampler.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += Math.exp(l[order[i]] - max) / sum;
                if (cum >= sampler.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (sampler.minP() > 0f) {
            // the most likely token has relative probability exp(0) = 1
            int m = 1;
            while (m < keep && Math.exp(l[order[m]] - max) >= sampler.minP()) {
                m++;
            }
            keep = m;
        }
        return keep;
    }

    private double expSum(float[] l, float max, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(l[order[i]] - max);
        }
        return sum;
    }

    /** Sorts order[0..count) by logit descending, ties by id: a primitive sort of (logit, id) packed in longs. */
    private void sortAll(float[] l, int count) {
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            int bits = Float.floatToIntBits(l[order[i]]);
            int ascending = bits ^ ((bits >> 31) & 0x7fffffff); // orders like Float.compare
            keys[i] = ((long) ~ascending << 32) | order[i];    // descending logit, then ascending id
        }
        Arrays.sort(keys);
        for (int i = 0; i < count; i++) {
            order[i] = (int) keys[i];
        }
    }

    /** Puts the ids of finite logits in order[0..), in id order; returns how many. */
    private int listCandidates(float[] l) {
        int c = 0;
        for (int i = 0; i < l.length; i++) {
            if (l[i] != Float.NEGATIVE_INFINITY && !Float.isNaN(l[i])) {
                order[c++] = i;
            }
        }
        return c;
    }

    /** Moves the k best of order[0..count) to the front, sorted (a bounded min-heap of primitive ids). */
    private void selectTop(float[] l, int count, int k) {
        int[] heap = new int[k]; // heap[0] is the worst of the best k
        int size = 0;
        for (int i = 0; i < count; i++) {
            int id = order[i];
            if (size < k) {
                heap[size] = id;
                siftUp(l, heap, size++);
            } else if (compare(l, id, heap[0]) < 0) {
                heap[0] = id;
                siftDown(l, heap, size);
            }
        }
        // pop worst first into the back of the front k
        for (int i = size - 1; i >= 0; i--) {
            order[i] = heap[0];
            heap[0] = heap[--size];
            siftDown(l, heap, size);
        }
    }

    /** Heap order: the parent is worse (compares greater) than its children. */
    private static void siftUp(float[] l, int[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (compare(l, h[i], h[parent]) <= 0) {
                return;
            }
            int t = h[i];
            h[i] = h[parent];
            h[parent] = t;
            i = parent;
        }
    }

    private static void siftDown(float[] l, int[] h, int size) {
        int i = 0;
        while (true) {
            int a = 2 * i + 1;
            int b = a + 1;
            int worst = i;
            if (a < size && compare(l, h[a], h[worst]) > 0) {
                worst = a;
            }
            if (b < size && compare(l, h[b], h[worst]) > 0) {
                worst = b;
            }
            if (worst == i) {
                return;
            }
            int t = h[i];
            h[i] = h[worst];
            h[worst] = t;
            i = worst;
        }
    }

    /** Descending logit, then ascending id. */
    private static int compare(float[] l, int a, int b) {
        int c = Float.compare(l[b], l[a]);
        return c != 0 ? c : Integer.compare(a, b);
    }
}
