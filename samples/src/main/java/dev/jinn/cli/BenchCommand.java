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
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jinn bench --model FILE [-p 512] [-n 128] [-r 3] [--threads N] [--json]}: prompt processing (pp, one
 * prefill of p random tokens) and generation (tg, n decode steps) in tokens per second as llama-bench reports them
 * (median over r repetitions, each on a fresh sequence), plus load time and peak RSS (VmHWM). With mapped weights
 * on Linux it also says how much of the file is resident and how much of that the kernel maps in 2 MiB pages
 * ({@code FilePmdMapped} in /proc/self/smaps): a file whose page cache was filled in 4 KiB pages (written or read in
 * small pieces) streams markedly slower, which explains a decode far below the figures of the same machine.
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

    @Option(names = "--no-mmap", description = ModelArgs.NO_MMAP_HELP)
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
            MappedPages pages = noMmap ? MappedPages.NONE : mappedPages(model, smaps());
            PrintWriter out = spec.commandLine().getOut();
            String name = model.getFileName().toString();
            String cpu = cpuDescription(cpuinfo());
            if (json) {
                out.printf("{\"model\":\"%s\",\"backend\":\"%s\",\"threads\":%d,\"n_prompt\":%d,\"n_gen\":%d,"
                                + "\"repetitions\":%d,\"pp_tokens_per_s\":%.3f,\"tg_tokens_per_s\":%.3f,"
                                + "\"load_s\":%.3f,\"peak_rss_bytes\":%d,\"mapped_resident_bytes\":%d,"
                                + "\"mapped_huge_page_bytes\":%d,\"pp_samples\":%s,\"tg_samples\":%s,"
                                + "\"cpu\":\"%s\"}%n",
                        jsonString(name), m.backendName(), cores, prompt, gen, reps, ppMed, tgMed, loadS, rss,
                        pages.residentBytes(), pages.hugePageBytes(), Arrays.toString(pp), Arrays.toString(tg),
                        jsonString(cpu));
            } else {
                out.printf("| model | backend | threads | test | t/s |%n|---|---|---|---|---|%n");
                if (prompt > 0) {
                    out.printf("| %s | %s | %d | pp%d | %.2f |%n", name, m.backendName(), cores, prompt, ppMed);
                }
                if (gen > 0) {
                    out.printf("| %s | %s | %d | tg%d | %.2f |%n", name, m.backendName(), cores, gen, tgMed);
                }
                out.printf("load %.2f s, peak RSS %.1f MiB (median of %d)%n", loadS, rss / 1048576.0, reps);
                out.printf("cpu: %s, %d cores available%n", cpu, Runtime.getRuntime().availableProcessors());
                if (pages.residentBytes() > 0) {
                    double huge = 100.0 * pages.hugePageBytes() / pages.residentBytes();
                    out.printf("mapped weights: %.1f MiB resident, %.0f%% of it in 2 MiB pages%s%n",
                            pages.residentBytes() / 1048576.0, huge, huge < 50 && pages.residentBytes() > SMALL_PAGES_HINT
                                    ? " (the file's page cache is in small pages, which can halve decode speed; "
                                    + "see README, Speed)" : "");
                }
            }
            return 0;
        }
    }

    private static String jsonString(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** /proc/cpuinfo, or no lines where there is no such file (not Linux) or it cannot be read. */
    static List<String> cpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Which processor the numbers come from, from cpuinfo text: the first core's model name with its family and model
     * numbers where the file has them ({@code "AMD EPYC (family 25, model 17)"}: machines sold under one name differ,
     * and speeds are comparable on one machine only); {@code os.arch} where it has no model name.
     */
    static String cpuDescription(List<String> cpuinfo) {
        String name = null;
        String family = null;
        String model = null;
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (line.isBlank() && name != null) {
                break; // the first processor's block only
            }
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "model name" -> name = name == null ? value : name;
                case "cpu family" -> family = family == null ? value : family;
                case "model" -> model = model == null ? value : model;
                default -> { }
            }
        }
        if (name == null || name.isEmpty()) {
            return System.getProperty("os.arch");
        }
        return family != null && model != null ? name + " (family " + family + ", model " + model + ")" : name;
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

    /** Resident bytes of a file's mappings in this process, and how many of them the kernel maps in 2 MiB pages. */
    record MappedPages(long residentBytes, long hugePageBytes) {
        static final MappedPages NONE = new MappedPages(0, 0);
    }

    /** Mappings smaller than this are not worth a hint about page sizes. */
    private static final long SMALL_PAGES_HINT = 256L << 20;

    /** /proc/self/smaps, or no lines where there is no such file (not Linux) or it cannot be read. */
    static List<String> smaps() {
        try {
            return Files.readAllLines(Path.of("/proc/self/smaps"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Sums {@code Rss} and {@code FilePmdMapped} over the mappings of {@code file} in smaps text: each mapping starts
     * with a line {@code start-end perms offset dev inode path}, followed by {@code Key: value kB} lines.
     */
    static MappedPages mappedPages(Path file, List<String> smaps) {
        String path;
        try {
            path = file.toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            path = file.toAbsolutePath().normalize().toString();
        }
        long resident = 0;
        long huge = 0;
        boolean inFile = false;
        for (String line : smaps) {
            Matcher header = SMAPS_HEADER.matcher(line);
            if (header.matches()) {
                inFile = header.group(1).equals(path);
            } else if (inFile && line.startsWith("Rss:")) {
                resident += kiloBytes(line);
            } else if (inFile && line.startsWith("FilePmdMapped:")) {
                huge += kiloBytes(line);
            }
        }
        return new MappedPages(resident, huge);
    }

    private static final Pattern SMAPS_HEADER =
            Pattern.compile("[0-9a-f]+-[0-9a-f]+ \\S+ \\S+ \\S+ \\d+\\s+(.*)");

    private static long kiloBytes(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        try {
            return Long.parseLong(parts[0]) * 1024;
        } catch (NumberFormatException e) {
            return 0;
        }
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
