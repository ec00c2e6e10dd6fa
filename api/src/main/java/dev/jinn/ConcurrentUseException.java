package dev.jinn;

/**
 * A {@link Session} was used by a second thread (or a second generation was started) while a generation was still
 * running on it. Sessions are for one thread at a time: use one session per conversation, {@link Session#fork()} to
 * branch, or wait for the running generation to finish (or cancel it).
 */
public class ConcurrentUseException extends JinnException {
    public ConcurrentUseException(String message) {
        super(message);
    }
}
