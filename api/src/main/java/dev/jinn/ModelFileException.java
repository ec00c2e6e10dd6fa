package dev.jinn;

import java.nio.file.Path;

/**
 * A model file (GGUF, safetensors, config.json, llama2.c checkpoint, ...) is missing, unreadable or malformed.
 * The message names the file and, where it applies, the field and byte offset that are wrong.
 */
public class ModelFileException extends JinnException {
    private final Path path;

    public ModelFileException(Path path, String message) {
        super(path == null ? message : path + ": " + message);
        this.path = path;
    }

    public ModelFileException(Path path, String message, Throwable cause) {
        super(path == null ? message : path + ": " + message, cause);
        this.path = path;
    }

    /** The file at fault, or {@code null} when the bytes did not come from a file. */
    public Path path() {
        return path;
    }
}
