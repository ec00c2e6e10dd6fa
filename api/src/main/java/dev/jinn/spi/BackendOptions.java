package dev.jinn.spi;

/**
 * Options a backend is created with.
 *
 * @param threads worker threads for CPU work; 0 means all available cores
 */
public record BackendOptions(int threads) {
    public BackendOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all cores), was " + threads);
        }
    }

    public static BackendOptions defaults() {
        return new BackendOptions(0);
    }
}
