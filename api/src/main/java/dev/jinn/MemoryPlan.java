package dev.jinn;

import java.util.Map;
import java.util.Objects;

/**
 * What a model needs in memory for one context length, batch size and KV cache type, before anything is loaded.
 * For the CPU backend weights are memory-mapped (they count against RAM as page cache once touched); the KV cache
 * and scratch are native allocations per session.
 *
 * @param model              the model file, folder or config it was planned for
 * @param quantization       the quantization ({@code Q4_K_M}, ...), or the file's own
 * @param contextLength      positions one session's KV cache holds
 * @param batchSize          tokens per prefill batch
 * @param kvCacheType        how keys and values are stored
 * @param weightsBytes       bytes of tensor data, exact
 * @param kvCacheBytes       bytes of one session's KV cache at {@code contextLength}
 * @param scratchBytes       activation and working buffers of one session, plus the backend's per-thread buffers
 * @param weightsBytesByType weights bytes per ggml type name
 */
public record MemoryPlan(
        String model,
        String quantization,
        int contextLength,
        int batchSize,
        KvCacheType kvCacheType,
        long weightsBytes,
        long kvCacheBytes,
        long scratchBytes,
        Map<String, Long> weightsBytesByType) {

    public MemoryPlan {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(kvCacheType, "kvCacheType");
        weightsBytesByType = Map.copyOf(weightsBytesByType);
        if (contextLength <= 0 || batchSize <= 0 || weightsBytes < 0 || kvCacheBytes < 0 || scratchBytes < 0) {
            throw new IllegalArgumentException("memory plan sizes must be positive: context " + contextLength
                    + ", batch " + batchSize + ", weights " + weightsBytes + ", kv " + kvCacheBytes + ", scratch " + scratchBytes);
        }
    }

    /** Weights + KV cache + scratch. */
    public long totalBytes() {
        return weightsBytes + kvCacheBytes + scratchBytes;
    }
}
