package dev.jinn.cli;

import dev.jinn.KvCacheType;
import dev.jinn.engine.LoadOptions;
import dev.jinn.engine.LoadedModel;
import dev.jinn.engine.ModelLoader;
import dev.jinn.engine.SequenceState;
import dev.jinn.engine.Transformer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jinn bench --model FILE [-p 512] [-n 128] [-r 3] [--threads N] [--json]}: prompt processing (pp, one
 * prefill of p random tokens) and generation (tg, n decode steps) in tokens per second as llama-bench reports them
 * (median over r repetitions, each on a fresh sequence), plus load time and peak RSS (VmHWM).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt processing and generation speed (tokens/s, median of repetitions).")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "GGUF model file.")
    Path model;

    @Option(names = {"-p", "--prompt"}, defaultValue = "512", description = "Prompt tokens (0 to skip pp).")
    int prompt;

    @Option(names = {"-n", "--gen"}, defaultValue = "128", description = "Generated tokens (0 to skip tg).")
    int gen;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "3", description = "Repetitions (median reported).")
    int reps;

    @Option(names = "--threads", defaultValue = "0", description = "Worker threads (0 = all cores).")
    int threads;

    @Option(names = "--backend", description = "Backend name (default: best available).")
    String backend;

    @Option(names = "--kv-cache", defaultValue = "F16", description = "KV cache type: ${COMPLETION-CANDIDATES}.")
    KvCacheType kvCache;

    @Option(names = "--no-mmap", description = "Read the weights into memory instead of mapping the file: a slower "
            + "load, faster decode of large models.")
    boolean noMmap;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (prompt < 0 || gen < 0 || reps < 1 || prompt + gen == 0) {
            throw new IllegalArgumentException("need -p >= 0, -n >= 0 (not both 0) and -r >= 1");
        }
        int cores = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        LoadOptions opts = new LoadOptions(backend, threads, 0, kvCache, !noMmap);
        long t0 = System.nanoTime();
        try (LoadedModel m = ModelLoader.load(model, opts)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            Transformer t = m.transformer();
            int vocab = m.config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(1234);
            double[] pp = new double[reps];
            double[] tg = new double[reps];
            // one untimed warm-up pass so the JIT has compiled the kernels
            try (SequenceState s = t.newSequence(Math.max(8, Math.min(prompt, 64)) + 8)) {
                t.forward(s, randomTokens(rnd, Math.max(1, Math.min(prompt, 64)), vocab), false);
                for (int i = 0; i < 4; i++) {
                    t.forward(s, new int[] {rnd.nextInt(vocab)}, false);
                }
            }
            for (int r = 0; r < reps; r++) {
                if (prompt > 0) {
                    try (SequenceState s = t.newSequence(prompt)) {
                        int[] toks = randomTokens(rnd, prompt, vocab);
                        long a = System.nanoTime();
                        t.forward(s, toks, false);
                        pp[r] = prompt / ((System.nanoTime() - a) / 1e9);
                    }
                }
                if (gen > 0) {
                    try (SequenceState s = t.newSequence(gen + 1)) {
                        t.forward(s, new int[] {rnd.nextInt(vocab)}, false);
                        int token = rnd.nextInt(vocab);
                        long a = System.nanoTime();
                        for (int i = 0; i < gen; i++) {
                            float[] logits = t.forward(s, new int[] {token}, false);
                            token = argmax(logits);
                        }
                        tg[r] = gen / ((System.nanoTime() - a) / 1e9);
                    }
                }
            }
            double ppMed = prompt > 0 ? median(pp) : 0;
            double tgMed = gen > 0 ? median(tg) : 0;
            long rss = peakRss();
            PrintWriter out = spec.commandLine().getOut();
            String name = model.getFileName().toString();
            if (json) {
                out.printf("{\"model\":\"%s\",\"backend\":\"%s\",\"threads\":%d,\"n_prompt\":%d,\"n_gen\":%d,"
                                + "\"repetitions\":%d,\"pp_tokens_per_s\":%.3f,\"tg_tokens_per_s\":%.3f,"
                                + "\"load_s\":%.3f,\"peak_rss_bytes\":%d,\"pp_samples\":%s,\"tg_samples\":%s}%n",
                        name.replace("\\", "\\\\").replace("\"", "\\\""), m.backendName(), cores, prompt, gen, reps,
                        ppMed, tgMed, loadS, rss, Arrays.toString(pp), Arrays.toString(tg));
            } else {
                out.printf("| model | backend | threads | test | t/s |%n|---|---|---|---|---|%n");
                if (prompt > 0) {
                    out.printf("| %s | %s | %d | pp%d | %.2f |%n", name, m.backendName(), cores, prompt, ppMed);
                }
                if (gen > 0) {
                    out.printf("| %s | %s | %d | tg%d | %.2f |%n", name, m.backendName(), cores, gen, tgMed);
                }
                out.printf("load %.2f s, peak RSS %.1f MiB (median of %d)%n", loadS, rss / 1048576.0, reps);
            }
            return 0;
        }
    }

    private static int[] randomTokens(SplittableRandom rnd, int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rnd.nextInt(vocab);
        }
        return t;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** VmHWM from /proc/self/status in bytes, or -1 where there is no such file. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
