package dev.jinn.spi;

/**
 * One sequence's keys and values for every layer, laid out however the backend's attention kernel wants them
 * (the CPU backend: {@code [layer][kvHead][position][headDim]}). Positions are written by
 * {@link Backend#attention}; which positions are valid is tracked by the engine. Used by one thread at a time.
 */
public interface KvCache extends AutoCloseable {
    /** Positions it can hold. */
    int capacity();

    /** Copies positions {@code [0, length)} of every layer into {@code target} (same geometry and backend). */
    void copyTo(KvCache target, int length);

    /** Bytes one position takes across all layers (keys and values), as {@link #export} writes them. */
    long bytesPerPosition();

    /** The stored bytes of positions {@code [0, length)}, in a backend-defined but stable order. */
    byte[] export(int length);

    /** Replaces positions {@code [0, length)} with what {@link #export} returned; throws on a size mismatch. */
    void importFrom(byte[] data, int length);

    /** Frees its memory. Idempotent. */
    @Override
    void close();
}
