package dev.jinn;

/**
 * Root of every exception Jinn throws on purpose. Unchecked: callers catch it where they can act on it.
 * Subclasses say what kind of input was wrong; their messages name the input and what was wrong with it.
 */
public class JinnException extends RuntimeException {
    public JinnException(String message) {
        super(message);
    }

    public JinnException(String message, Throwable cause) {
        super(message, cause);
    }
}
