package dev.jinn;

/**
 * A {@link Model}, {@link Session} or {@link Generation} was used after {@code close()}. The message names the
 * object and what to do instead (open a new one).
 */
public class ClosedException extends JinnException {
    public ClosedException(String message) {
        super(message);
    }
}
