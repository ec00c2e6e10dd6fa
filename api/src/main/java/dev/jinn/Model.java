package dev.jinn;

import java.nio.file.Path;

/**
 * A loaded language model: weights on a compute backend, its tokenizer and chat template. Thread-safe; create one
 * per model file and share it. Conversations are {@link Session}s.
 *
 * <p>{@code close()} releases the weights and closes every session; it is idempotent, and later use throws
 * {@link ClosedException}.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf"));
 *      Session session = model.newSession()) {
 *     ChatResponse reply = session.chat("Why is 17 prime?");
 *     System.out.println(reply.answer());
 * }
 * }</pre>
 */
public interface Model extends AutoCloseable {

    /** Loads a GGUF file (or a safetensors folder) with {@link ModelOptions#DEFAULTS}. */
    static Model load(Path path) {
        return load(path, ModelOptions.DEFAULTS);
    }

    /**
     * Loads a GGUF file (or a safetensors folder). The implementation is found with {@link java.util.ServiceLoader}
     * ({@link dev.jinn.spi.ModelFactory}); add {@code jinn-engine} and a runtime such as {@code jinn-runtime-cpu} to
     * the class path.
     *
     * @throws ModelFileException           when the file is missing, unreadable or malformed
     * @throws BackendUnavailableException  when no backend can run it
     * @throws JinnException                when no implementation is on the class path
     */
    static Model load(Path path, ModelOptions options) {
        return ModelFactories.load(path, options);
    }

    ModelInfo info();

    /** A new conversation with an empty KV cache. */
    Session newSession(SessionOptions options);

    /** {@link #newSession(SessionOptions)} with {@link SessionOptions#DEFAULTS}. */
    default Session newSession() {
        return newSession(SessionOptions.DEFAULTS);
    }

    /**
     * Restores a session written by {@link Session#save(Path)}.
     *
     * @throws StateFileException when the file is missing, truncated, corrupt or saved from another model
     */
    Session restoreSession(Path file);

    boolean isClosed();

    /** Releases the weights and closes every session. Idempotent. */
    @Override
    void close();
}
