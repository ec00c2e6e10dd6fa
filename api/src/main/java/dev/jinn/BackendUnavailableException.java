package dev.jinn;

/**
 * No compute backend can run the model: the requested one is missing or unavailable, or none found fits.
 * The message lists every backend found and why each was rejected.
 */
public class BackendUnavailableException extends JinnException {
    public BackendUnavailableException(String message) {
        super(message);
    }
}
