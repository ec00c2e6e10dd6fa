package dev.jinn;

/**
 * Generation failed part way (a backend error, an exception thrown by a listener, a scripted failure). The session
 * stays usable: its cache is rolled back to the last consistent position.
 */
public class GenerationException extends JinnException {
    public GenerationException(String message) {
        super(message);
    }

    public GenerationException(String message, Throwable cause) {
        super(message, cause);
    }
}
