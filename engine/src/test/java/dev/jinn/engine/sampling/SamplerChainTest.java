package dev.jinn.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.Sampler;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerChainTest {
    private static final int[] NONE = new int[0];

    private static float[] logits(float... v) {
        return v;
    }

    @Test
    void greedyTakesTheArgmax() {
        SamplerChain c = new SamplerChain(Sampler.greedy());
        assertThat(c.sample(logits(1, 5, 3, 4), NONE, 0, new SplittableRandom(1))).isEqualTo(1);
    }

    @Test
    void logitBiasCanBanTheBestToken() {
        SamplerChain c = new SamplerChain(Sampler.greedy().toBuilder()
                .logitBias(Map.of(1, Float.NEGATIVE_INFINITY)).build());
        assertThat(c.sample(logits(1, 5, 3, 4), NONE, 0, new SplittableRandom(1))).isEqualTo(3);
    }

    @Test
    void repetitionPenaltyMovesAwayFromRecentTokens() {
        SamplerChain c = new SamplerChain(Sampler.greedy().toBuilder().repetitionPenalty(2f).build());
        // token 1 (logit 5) was just used: 5 / 2 = 2.5 < 4
        assertThat(c.sample(logits(1, 5, 3, 4), new int[] {1}, 1, new SplittableRandom(1))).isEqualTo(3);
        SamplerChain f = new SamplerChain(Sampler.greedy().toBuilder().frequencyPenalty(1f).build());
        assertThat(f.sample(logits(1, 5, 3, 4), new int[] {1, 1}, 2, new SplittableRandom(1))).isEqualTo(3);
        SamplerChain p = new SamplerChain(Sampler.greedy().toBuilder().presencePenalty(1.5f).build());
        assertThat(p.sample(logits(1, 5, 3, 4), new int[] {1, 1, 1}, 3, new SplittableRandom(1))).isEqualTo(3);
        // outside the window: no penalty
        SamplerChain w = new SamplerChain(Sampler.greedy().toBuilder().repetitionPenalty(2f).penaltyLastN(1).build());
        assertThat(w.sample(logits(1, 5, 3, 4), new int[] {1, 0}, 2, new SplittableRandom(1))).isEqualTo(1);
    }

    @Test
    void topKOneIsGreedyWhateverTheSeed() {
        SamplerChain c = new SamplerChain(Sampler.builder().temperature(5f).topK(1).build());
        for (long seed = 0; seed < 50; seed++) {
            assertThat(c.sample(logits(1, 5, 3, 4), NONE, 0, new SplittableRandom(seed))).isEqualTo(1);
        }
    }

    @Test
    void topPAndMinPLimitTheCandidates() {
        // probabilities ~ 0.64, 0.24, 0.09, 0.03
        float[] l = logits(3, 2, 1, 0);
        Set<Integer> seen = new HashSet<>();
        SamplerChain topP = new SamplerChain(Sampler.builder().temperature(1f).topP(0.8f).build());
        for (long seed = 0; seed < 300; seed++) {
            seen.add(topP.sample(l, NONE, 0, new SplittableRandom(seed)));
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1);
        seen.clear();
        SamplerChain minP = new SamplerChain(Sampler.builder().temperature(1f).minP(0.3f).build());
        for (long seed = 0; seed < 300; seed++) {
            seen.add(minP.sample(l, NONE, 0, new SplittableRandom(seed)));
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void drawsFollowTheDistributionAndAreReproducible() {
        float[] l = logits(0, (float) Math.log(3)); // p = 0.25, 0.75
        SamplerChain c = new SamplerChain(Sampler.builder().temperature(1f).build());
        SplittableRandom r = new SplittableRandom(42);
        int ones = 0;
        for (int i = 0; i < 4000; i++) {
            ones += c.sample(l, NONE, 0, r);
        }
        assertThat(ones / 4000.0).isBetween(0.72, 0.78);
        int[] a = new int[50];
        int[] b = new int[50];
        SplittableRandom r1 = new SplittableRandom(7);
        SplittableRandom r2 = new SplittableRandom(7);
        for (int i = 0; i < 50; i++) {
            a[i] = c.sample(l, NONE, 0, r1);
            b[i] = c.sample(l, NONE, 0, r2);
        }
        assertThat(a).isEqualTo(b);
    }

    @Test
    void lowTemperatureSharpens() {
        float[] l = logits(0, 1);
        SamplerChain cold = new SamplerChain(Sampler.builder().temperature(0.05f).build());
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            assertThat(cold.sample(l, NONE, 0, r)).isEqualTo(1);
        }
    }

    /** The fast nucleus search (heap of the best 256) must choose exactly what sorting the whole vocabulary does. */
    @Test
    void fastNucleusEqualsFullSortOnALargeVocabulary() {
        SplittableRandom data = new SplittableRandom(99);
        Sampler[] samplers = {
            Sampler.deepSeekR1Distill(),
            Sampler.llamaCppDefaults(),
            Sampler.builder().temperature(0.9f).minP(0.1f).build(),
            Sampler.builder().temperature(1.2f).topP(0.999f).build(), // nucleus larger than 256: full-sort fallback
            Sampler.builder().temperature(0.7f).topK(300).topP(0.9f).build(),
            Sampler.builder().temperature(1f).build(),
        };
        for (Sampler s : samplers) {
            SamplerChain fast = new SamplerChain(s);
            SamplerChain full = new SamplerChain(s);
            full.alwaysSortAll = true;
            for (int trial = 0; trial < 20; trial++) {
                float[] l = new float[20_000];
                double scale = trial % 2 == 0 ? 1.0 : 6.0; // flat and peaked distributions
                for (int i = 0; i < l.length; i++) {
                    l[i] = (float) (data.nextGaussian() * scale);
                }
                l[data.nextInt(l.length)] = Float.NEGATIVE_INFINITY;
                long seed = data.nextLong();
                assertThat(fast.sample(l, NONE, 0, new SplittableRandom(seed)))
                        .as(s + " trial " + trial)
                        .isEqualTo(full.sample(l, NONE, 0, new SplittableRandom(seed)));
            }
        }
    }
}
