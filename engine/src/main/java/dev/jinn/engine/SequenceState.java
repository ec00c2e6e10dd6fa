package dev.jinn.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * One sequence's KV cache and position, owned by the backend that made it. Not thread-safe.
 */
public interface SequenceState extends AutoCloseable {

    /** Positions filled so far. */
    int length();

    /** Positions the KV cache can hold. */
    int capacity();

    /** Forgets positions ≥ {@code length} (to reuse a common prefix). */
    void truncate(int length);

    /** An independent copy (for forking a conversation). */
    SequenceState copy();

    /** Writes the filled part of the KV cache (for Session.save). */
    void writeTo(DataOutput out) throws IOException;

    /** Replaces this state's contents with what {@link #writeTo} wrote; validates sizes and throws on mismatch. */
    void readFrom(DataInput in) throws IOException;

    @Override
    void close();
}
