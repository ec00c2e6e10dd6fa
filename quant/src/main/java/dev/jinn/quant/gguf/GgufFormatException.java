package dev.jinn.quant.gguf;

import dev.jinn.ModelFileException;
import java.nio.file.Path;

/**
 * A GGUF file is malformed, truncated, of an unsupported version, or lacks a key or tensor that was asked for.
 * The message names the file, the field at fault and, for structural defects, its byte offset in the file.
 */
public class GgufFormatException extends ModelFileException {
    private final long byteOffset;

    public GgufFormatException(Path path, String message) {
        super(path, message);
        this.byteOffset = -1;
    }

    /**
     * A defect in {@code field} found at byte {@code byteOffset}; the message reads
     * {@code "<path>: <field> at byte <offset>: <problem>"}.
     */
    public GgufFormatException(Path path, String field, long byteOffset, String problem) {
        super(path, field + " at byte " + byteOffset + ": " + problem);
        this.byteOffset = byteOffset;
    }

    /** The byte offset of the defective field in the file, or -1 when the error is not about one place. */
    public long byteOffset() {
        return byteOffset;
    }
}
