package dev.jinn.quant.safetensors;

import dev.jinn.ModelFileException;
import java.nio.file.Path;

/**
 * A safetensors file or sharded model folder is malformed, truncated or inconsistent, a tensor is missing, or a
 * tensor's dtype cannot be decoded. The message names the file and the field (tensor name, header key) at fault.
 */
public class SafetensorsFormatException extends ModelFileException {
    public SafetensorsFormatException(Path path, String message) {
        super(path, message);
    }

    public SafetensorsFormatException(Path path, String message, Throwable cause) {
        super(path, message, cause);
    }
}
