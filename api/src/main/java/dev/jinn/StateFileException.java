package dev.jinn;

import java.nio.file.Path;

/**
 * A saved session ({@link Session#save(Path)}) cannot be restored: missing, truncated, corrupt, of another format
 * version, or saved from a different model. The message names the file and what is wrong.
 */
public class StateFileException extends JinnException {
    private final Path path;

    public StateFileException(Path path, String message) {
        super(path + ": " + message);
        this.path = path;
    }

    public StateFileException(Path path, String message, Throwable cause) {
        super(path + ": " + message, cause);
        this.path = path;
    }

    /** The state file at fault. */
    public Path path() {
        return path;
    }
}
