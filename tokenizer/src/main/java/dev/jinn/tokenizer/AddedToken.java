package dev.jinn.tokenizer;

import java.util.Objects;

/**
 * A token matched whole in the input text before BPE runs (when special-token parsing is on), such as
 * {@code <｜User｜>} or {@code <think>}.
 *
 * @param id      its id
 * @param content its exact text (not normalized, not in byte-level form)
 * @param special whether it is a control token: hidden by streaming decoders that hide special tokens
 */
public record AddedToken(int id, String content, boolean special) {
    public AddedToken {
        Objects.requireNonNull(content, "content");
        if (id < 0) {
            throw new IllegalArgumentException("added token '" + content + "' has a negative id " + id);
        }
        if (content.isEmpty()) {
            throw new IllegalArgumentException("added token " + id + " has empty content");
        }
    }
}
