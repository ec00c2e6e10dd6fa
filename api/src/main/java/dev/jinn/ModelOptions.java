package dev.jinn;

import static dev.jinn.InvalidOptionException.check;

import java.util.Locale;

/**
 * Load-time parameters of a {@link Model} (per-request ones are in {@link GenerationOptions}).
 *
 * @param backend          a backend name ({@code "cpu"}, {@code "gpu"}) or {@code "auto"}: the {@code jinn.backend}
 *                         system property, then the {@code JINN_BACKEND} environment variable, then the available
 *                         backend with the highest priority
 * @param threads          compute threads for CPU work (0 = one per available core)
 * @param contextLength    positions each session's KV cache holds by default (0 = the model's trained length, at
 *                         most 4096: a 14B model's full 128k context would take about 25 GB of F16 cache per session)
 * @param kvCacheType      how keys and values are stored (default {@link KvCacheType#F16}, as llama.cpp)
 * @param memoryLimitBytes refuse to load when weights, KV cache and scratch would exceed this (0 = no limit
 *                         beyond the device's own)
 * @param mapWeights       true (default): the CPU backend uses the weights in place from the memory-mapped file,
 *                         which loads in well under a second and shares memory with the operating system's file
 *                         cache (on Linux the mapping asks for 2 MiB pages, which decode streams fastest); false:
 *                         the file is read into process memory first, as llama.cpp's {@code --no-mmap}, for file
 *                         systems that cannot be mapped: a load that reads every byte, and no faster decode than a
 *                         mapping whose page cache is in 2 MiB pages ({@code jinn bench} reports the share)
 */
public record ModelOptions(String backend, int threads, int contextLength, KvCacheType kvCacheType,
                           long memoryLimitBytes, boolean mapWeights) {

    /** Automatic backend, all cores, the model's context length, F16 KV cache, no memory limit. */
    public static final ModelOptions DEFAULTS = builder().build();

    public ModelOptions {
        backend = backend == null ? "auto" : backend.strip().toLowerCase(Locale.ROOT);
        check(!backend.isEmpty(), "backend", "\"\"", "give a backend name such as cpu or gpu, or auto");
        check(threads >= 0, "threads", threads, "must be ≥ 0 (0 = one per core)");
        check(contextLength >= 0, "contextLength", contextLength, "must be ≥ 0 (0 = the model's, at most 4096)");
        kvCacheType = kvCacheType == null ? KvCacheType.F16 : kvCacheType;
        check(memoryLimitBytes >= 0, "memoryLimitBytes", memoryLimitBytes, "must be ≥ 0 (0 = no limit)");
    }

    /** Weights memory-mapped (the earlier five-component form). */
    public ModelOptions(String backend, int threads, int contextLength, KvCacheType kvCacheType,
                        long memoryLimitBytes) {
        this(backend, threads, contextLength, kvCacheType, memoryLimitBytes, true);
    }

    /** Threads to use: {@link #threads()} or the number of available processors. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String backend = "auto";
        private int threads;
        private int contextLength;
        private KvCacheType kvCacheType = KvCacheType.F16;
        private long memoryLimitBytes;
        private boolean mapWeights = true;

        private Builder() {}

        public Builder backend(String v) { backend = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder contextLength(int v) { contextLength = v; return this; }
        public Builder kvCacheType(KvCacheType v) { kvCacheType = v; return this; }

        /** By name, case-insensitive: {@code f32}, {@code f16}, {@code q8_0}. */
        public Builder kvCacheType(String name) {
            try {
                kvCacheType = KvCacheType.valueOf(name.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidOptionException("kvCacheType = " + name + " is invalid: must be one of "
                        + java.util.Arrays.toString(KvCacheType.values()));
            }
            return this;
        }
        public Builder memoryLimitBytes(long v) { memoryLimitBytes = v; return this; }
        public Builder mapWeights(boolean v) { mapWeights = v; return this; }

        public ModelOptions build() {
            return new ModelOptions(backend, threads, contextLength, kvCacheType, memoryLimitBytes, mapWeights);
        }
    }
}
