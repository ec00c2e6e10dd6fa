package dev.jinn.spi;

/**
 * A cheap entry point to one compute backend, found with {@link java.util.ServiceLoader}. Creating a provider and
 * calling {@link #name()}, {@link #priority()}, {@link #availability()} and {@link #memoryBytes()} must not allocate
 * device memory, create a device context or start threads: that happens only in {@link #create} for the backend
 * actually chosen. A GPU provider may load its driver library and query it once per JVM (cached) to answer.
 *
 * <p>Selection (done by the engine's loader): an explicit backend name, else the {@code jinn.backend} system property
 * or {@code JINN_BACKEND} environment variable, else the available provider with the highest priority.
 * Implementations must be thread-safe.
 */
public interface BackendProvider {

    /** Short lower-case name users pass to choose it: {@code "cpu"}, {@code "cuda"}. */
    String name();

    /** Higher wins when no backend is named; the CPU backend uses 10, GPU backends more. */
    int priority();

    /**
     * Memory this backend can give a model right now, in bytes — available RAM for a CPU backend, free device memory
     * for a GPU backend — or -1 when unknown. Selection skips a backend whose memory is smaller than the model's
     * {@link dev.jinn.MemoryPlan}. Cheap; never throws.
     */
    default long memoryBytes() {
        return -1;
    }

    /** Whether this backend can run here, and if not, why (shown when selection fails). Cheap; never throws. */
    BackendAvailability availability();

    /**
     * Creates the backend: loads what it needs, starts its threads.
     *
     * @throws dev.jinn.JinnException when it cannot start after all (the message says why)
     */
    Backend create(BackendOptions options);
}
