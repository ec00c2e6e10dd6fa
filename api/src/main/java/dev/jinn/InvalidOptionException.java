package dev.jinn;

/**
 * An option value is out of range or inconsistent ({@link ModelOptions}, {@link SessionOptions},
 * {@link GenerationOptions}, {@link Sampler}). The message names the option, the value and the allowed range.
 */
public class InvalidOptionException extends JinnException {
    public InvalidOptionException(String message) {
        super(message);
    }

    static void check(boolean ok, String option, Object value, String allowed) {
        if (!ok) {
            throw new InvalidOptionException(option + " = " + value + " is invalid: " + allowed);
        }
    }
}
