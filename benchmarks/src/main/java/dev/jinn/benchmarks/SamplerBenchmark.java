package dev.jinn.benchmarks;

import dev.jinn.Sampler;
import dev.jinn.engine.sampling.SamplerChain;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Time to choose one token from a Qwen2-sized logit row (152,064 entries) with each sampler preset: what sampling
 * adds to every decode step, to compare with the forward pass (tens of milliseconds for 14B on a CPU).
 * Logits are Gaussian with σ = 3 (peaked like a trained model's) plus a repetition window of 64 tokens.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar SamplerBenchmark \
 *     -f 1 -wi 2 -i 3 -w 1s -r 1s</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SamplerBenchmark {
    static final int VOCAB = 152_064;

    @Param({"greedy", "r1", "llamacpp", "temperature-only"})
    public String preset;

    private SamplerChain chain;
    private float[] logits;
    private int[] recent;
    private SplittableRandom rng;

    @Setup
    public void setup() {
        Sampler s = switch (preset) {
            case "greedy" -> Sampler.greedy();
            case "r1" -> Sampler.deepSeekR1Distill().toBuilder().repetitionPenalty(1.1f).build();
            case "llamacpp" -> Sampler.llamaCppDefaults();
            case "temperature-only" -> Sampler.builder().temperature(0.8f).build();
            default -> throw new IllegalArgumentException(preset);
        };
        chain = new SamplerChain(s);
        SplittableRandom data = new SplittableRandom(1);
        logits = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            logits[i] = (float) (data.nextGaussian() * 3);
        }
        recent = new int[64];
        for (int i = 0; i < recent.length; i++) {
            recent[i] = data.nextInt(VOCAB);
        }
        rng = new SplittableRandom(2);
    }

    @Benchmark
    public int sample() {
        return chain.sample(logits, recent, recent.length, rng);
    }
}
