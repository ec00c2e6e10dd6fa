package dev.jinn;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One running generation, pulled event by event: the model computes the next token inside {@link #next()} on the
 * calling thread. The last event is always {@link GenerationEvent.Done}; after it {@link #hasNext()} is false.
 *
 * <p>Use it from one thread at a time; {@link #cancel()} may be called from any thread and makes the generation
 * end with {@link FinishReason#CANCELLED} within one token. {@link #close()} cancels a generation that has not
 * finished and waits for it to release its session; the session stays usable. Idempotent.
 */
public interface Generation extends Iterator<GenerationEvent>, AutoCloseable {

    /** Asks the generation to stop; safe from any thread. */
    void cancel();

    /** The final event once the generation has finished, else null. */
    GenerationEvent.Done done();

    /** Cancels when still running and releases the session. */
    @Override
    void close();

    /** The remaining events as a sequential stream; closing the stream closes this generation. */
    default Stream<GenerationEvent> stream() {
        Iterator<GenerationEvent> it = this;
        return StreamSupport.stream(
                        Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    /** Runs to the end, giving every event to {@code listener}, and returns the final event. */
    default GenerationEvent.Done drain(GenerationListener listener) {
        try (this) {
            while (hasNext()) {
                GenerationEvent e = next();
                try {
                    listener.onEvent(e);
                } catch (RuntimeException ex) {
                    cancel();
                    throw new GenerationException("the generation listener threw: " + ex, ex);
                }
            }
            return done();
        }
    }
}
