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

    private int draw(float[] l, RandomGenerator rng) {
        int n = l.length;
        // candidates: finite logits, sorted by logit descending (ties by id for determinism)
        int count = 0;
        if (order.length != n) {
            order = new int[n];
            probs = new double[n];
        }
        for (int i = 0; i < n; i++) {
            if (l[i] != Float.NEGATIVE_INFINITY && !Float.isNaN(l[i])) {
                order[count++] = i;
            }
        }
        if (count == 0) {
            return argmax(l);
        }
        int k = sampler.topK() > 0 ? Math.min(sampler.topK(), count) : count;
        sortTop(l, count, k);
        count = k;
        // softmax (without temperature) for top-p and min-p, as llama.cpp does
        double max = l[order[0]];
        double sum = 0;
        for (int i = 0; i < count; i++) {
            probs[i] = Math.exp(l[order[i]] - max);
            sum += probs[i];
        }
        if (sampler.topP() < 1f) {
            double cum = 0;
            int keep = count;
            for (int i = 0; i < count; i++) {
                cum += probs[i] / sum;
                if (cum >= sampler.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            count = keep;
        }
        if (sampler.minP() > 0f) {
            // probs[0] is the largest (exp(0) = 1)
            double threshold = sampler.minP() * probs[0];
            int keep = 1;
            while (keep < count && probs[keep] >= threshold) {
                keep++;
            }
            count = keep;
        }
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

    /** Puts the k largest of order[0..count) first, sorted descending by logit (ties: smaller id first). */
    private void sortTop(float[] l, int count, int k) {
        Integer[] boxed;
        if (k < count && k <= 1024) {
            // selection with a small heap is cheaper than a full sort of a 150k vocabulary
            java.util.PriorityQueue<Integer> heap = new java.util.PriorityQueue<>(k + 1, (a, b) -> compare(l, b, a));
            for (int i = 0; i < count; i++) {
                heap.add(order[i]);
                if (heap.size() > k) {
                    heap.poll();
                }
            }
            boxed = heap.toArray(new Integer[0]);
        } else {
            boxed = new Integer[count];
            for (int i = 0; i < count; i++) {
                boxed[i] = order[i];
            }
        }
        Arrays.sort(boxed, (a, b) -> compare(l, a, b));
        for (int i = 0; i < Math.min(k, boxed.length); i++) {
            order[i] = boxed[i];
        }
    }

    /** Descending logit, then ascending id. */
    private static int compare(float[] l, int a, int b) {
        int c = Float.compare(l[b], l[a]);
        return c != 0 ? c : Integer.compare(a, b);
    }
}
