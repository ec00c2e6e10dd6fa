package dev.jinn.engine;

import dev.jinn.KvCacheType;

/**
 * How to load a model.
 *
 * @param backend       backend name ("cpu", "cuda"); null = the {@code jinn.backend} property, the
 *                      {@code JINN_BACKEND} variable, or the best available
 * @param threads       CPU worker threads; 0 = all cores
 * @param contextLength positions a sequence may hold by default; 0 = the model's trained context length
 * @param kvCacheType   KV cache element type; null = F16
 * @param mapWeights    true: memory-map the file (fast load); false: read it into process memory (see
 *                      {@link dev.jinn.quant.gguf.GgufFile#read})
 */
public record LoadOptions(String backend, int threads, int contextLength, KvCacheType kvCacheType,
                          boolean mapWeights) {
    public LoadOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all cores), was " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0 (0 = the model's), was " + contextLength);
        }
        if (backend != null && backend.isBlank()) {
            backend = null;
        }
        if (kvCacheType == null) {
            kvCacheType = KvCacheType.F16;
        }
    }

    /** Weights memory-mapped. */
    public LoadOptions(String backend, int threads, int contextLength, KvCacheType kvCacheType) {
        this(backend, threads, contextLength, kvCacheType, true);
    }

    /** Auto backend, all cores, the model's context, F16 KV cache, weights mapped. */
    public static LoadOptions defaults() {
        return new LoadOptions(null, 0, 0, KvCacheType.F16, true);
    }

    public static Builder builder() {
        return new Builder();
    }

    public LoadOptions withBackend(String name) {
        return new LoadOptions(name, threads, contextLength, kvCacheType, mapWeights);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(backend, n, contextLength, kvCacheType, mapWeights);
    }

    public LoadOptions withContextLength(int n) {
        return new LoadOptions(backend, threads, n, kvCacheType, mapWeights);
    }

    public LoadOptions withKvCacheType(KvCacheType t) {
        return new LoadOptions(backend, threads, contextLength, t, mapWeights);
    }

    public LoadOptions withMapWeights(boolean map) {
        return new LoadOptions(backend, threads, contextLength, kvCacheType, map);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String backend;
        private int threads;
        private int contextLength;
        private KvCacheType kvCacheType = KvCacheType.F16;
        private boolean mapWeights = true;

        public Builder backend(String name) {
            this.backend = name;
            return this;
        }

        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        public Builder contextLength(int n) {
            this.contextLength = n;
            return this;
        }

        public Builder kvCacheType(KvCacheType t) {
            this.kvCacheType = t;
            return this;
        }

        public Builder mapWeights(boolean map) {
            this.mapWeights = map;
            return this;
        }

        public LoadOptions build() {
            return new LoadOptions(backend, threads, contextLength, kvCacheType, mapWeights);
        }
    }
}
