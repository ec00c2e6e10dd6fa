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
 */
public record LoadOptions(String backend, int threads, int contextLength, KvCacheType kvCacheType) {
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

    /** Auto backend, all cores, the model's context, F16 KV cache. */
    public static LoadOptions defaults() {
        return new LoadOptions(null, 0, 0, KvCacheType.F16);
    }

    public static Builder builder() {
        return new Builder();
    }

    public LoadOptions withBackend(String name) {
        return new LoadOptions(name, threads, contextLength, kvCacheType);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(backend, n, contextLength, kvCacheType);
    }

    public LoadOptions withContextLength(int n) {
        return new LoadOptions(backend, threads, n, kvCacheType);
    }

    public LoadOptions withKvCacheType(KvCacheType t) {
        return new LoadOptions(backend, threads, contextLength, t);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String backend;
        private int threads;
        private int contextLength;
        private KvCacheType kvCacheType = KvCacheType.F16;

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

        public LoadOptions build() {
            return new LoadOptions(backend, threads, contextLength, kvCacheType);
        }
    }
}
