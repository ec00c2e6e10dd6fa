package dev.jinn.quant.json;

import dev.jinn.JinnException;

/** Malformed JSON; the message gives the character offset. Callers wrap it with the file name. */
public final class JsonException extends JinnException {
    public JsonException(String message) {
        super(message);
    }
}
