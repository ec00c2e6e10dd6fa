package dev.jinn;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * One conversation with its own KV cache, created by {@link Model#newSession(SessionOptions)}.
 *
 * <p><b>Threads.</b> A session is used by one thread at a time: starting a generation (or saving, forking,
 * resetting) while another generation on the same session is still running throws
 * {@link ConcurrentUseException}. {@link #cancel()} is the exception and may be called from any thread. Many sessions
 * of one model may run concurrently; each gives the same results as it would alone.
 *
 * <p><b>Cache reuse.</b> Each chat turn renders the whole conversation with the model's chat template and
 * prefills only the tokens after the longest prefix already in the cache.
 *
 * <p><b>Lifetime.</b> {@code close()} frees the KV cache; it is idempotent, and any later use throws
 * {@link ClosedException}. Closing the model closes its sessions.
 */
public interface Session extends AutoCloseable {

    /**
     * Starts a generation: appends the prompt (chat turns or raw text) and returns the events as they are pulled.
     * Nothing is computed until the first {@link Generation#hasNext()}/{@link Generation#next()}.
     *
     * @throws ContextOverflowException when the prompt does not fit and the policy is {@link OverflowPolicy#FAIL}
     *                                  (thrown here, before anything changes)
     * @throws ConcurrentUseException   when a generation of this session is still running
     * @throws ClosedException          when the session or its model is closed
     */
    Generation generate(Prompt prompt, GenerationOptions options);

    /** {@link #generate(Prompt, GenerationOptions)} with {@link GenerationOptions#DEFAULTS}. */
    default Generation generate(Prompt prompt) {
        return generate(prompt, GenerationOptions.DEFAULTS);
    }

    /** Runs a generation on the calling thread, giving each event to {@code listener}; returns the last event. */
    default GenerationEvent.Done generate(Prompt prompt, GenerationOptions options, GenerationListener listener) {
        return generate(prompt, options).drain(listener);
    }

    /** The events as a stream, computed as it is consumed; close the stream (try-with-resources) to stop early. */
    default Stream<GenerationEvent> stream(Prompt prompt, GenerationOptions options) {
        return generate(prompt, options).stream();
    }

    /**
     * The events as a cold {@link Flow.Publisher}: the generation starts when one subscriber subscribes and runs
     * on {@code executor} at the pace of the subscriber's requests.
     */
    default Flow.Publisher<GenerationEvent> publisher(Prompt prompt, GenerationOptions options, Executor executor) {
        return new GenerationPublisher(() -> generate(prompt, options), executor);
    }

    /** {@link #publisher(Prompt, GenerationOptions, Executor)} on a new virtual thread per subscription. */
    default Flow.Publisher<GenerationEvent> publisher(Prompt prompt, GenerationOptions options) {
        return publisher(prompt, options, r -> Thread.ofVirtual().name("jinn-publisher").start(r));
    }

    /**
     * Blocking convenience: runs the prompt to the end and returns the answer, the reasoning and the usage.
     *
     * @throws GenerationException when generation failed
     */
    default ChatResponse chat(Prompt prompt, GenerationOptions options) {
        StringBuilder answer = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        GenerationEvent.Done done = generate(prompt, options, e -> {
            switch (e) {
                case GenerationEvent.Answer a -> answer.append(a.text());
                case GenerationEvent.Reasoning r -> reasoning.append(r.text());
                case GenerationEvent.Done d -> { }
            }
        });
        if (done.error() != null) {
            throw done.error();
        }
        return new ChatResponse(answer.toString(), reasoning.toString(), done.finishReason(), done.usage());
    }

    /** Sends one user message with {@link GenerationOptions#DEFAULTS} and waits for the reply. */
    default ChatResponse chat(String userMessage) {
        return chat(Prompt.user(userMessage), GenerationOptions.DEFAULTS);
    }

    /** Sends one user message and waits for the reply. */
    default ChatResponse chat(String userMessage, GenerationOptions options) {
        return chat(Prompt.user(userMessage), options);
    }

    /** Stops the running generation, if any, within one token (from any thread). The session stays usable. */
    void cancel();

    /** The conversation so far (system, user and assistant turns; assistant turns include their reasoning). */
    List<ChatMessage> history();

    /** Tokens now in the KV cache. */
    int tokenCount();

    /** Positions the KV cache holds. */
    int contextLength();

    SessionOptions options();

    /** The model this session belongs to. */
    Model model();

    /** An independent copy of this conversation and its KV cache; both continue separately. */
    Session fork();

    /** Forgets the conversation and empties the cache (the system prompt of the options is kept). */
    void reset();

    /**
     * Writes the conversation and KV cache to {@code file} (atomically: a temporary file, then a move). The file
     * records the model's {@link ModelInfo#identity()}.
     *
     * @throws StateFileException when the file cannot be written
     */
    void save(Path file);

    /**
     * Reads a session saved by {@link #save(Path)} into a new session of {@code model}.
     *
     * @throws StateFileException when the file is missing, truncated, corrupt or saved from another model
     */
    static Session restore(Model model, Path file) {
        return model.restoreSession(file);
    }

    boolean isClosed();

    /** Frees the KV cache; cancels a running generation. Idempotent. */
    @Override
    void close();
}
