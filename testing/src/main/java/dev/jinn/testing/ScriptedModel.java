package dev.jinn.testing;

import dev.jinn.ClosedException;
import dev.jinn.GenerationException;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.ModelInfo;
import dev.jinn.Sampler;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Model} for applications' unit tests: no weights, no backend. It answers with scripted replies (reasoning
 * and answer chunks, streamed as events), records every prompt it saw, and can be told to fail or to be slow.
 * Everything else behaves as the real thing: sessions keep their history, are single-threaded (concurrent use
 * throws), fork, save and restore, cancel, time out, honour {@code maxTokens} (one chunk = one token) and fail on
 * context overflow (prompt tokens are estimated as characters / 4). Thread-safe.
 *
 * <pre>{@code
 * ScriptedModel model = ScriptedModel.replying("<think>easy</think>Paris");
 * assertThat(new Geography(model).capitalOf("France")).isEqualTo("Paris");
 * assertThat(model.lastPrompt().lastUserMessage()).contains("France");
 * }</pre>
 */
public final class ScriptedModel implements Model {
    private final ConcurrentLinkedDeque<ScriptedReply> replies = new ConcurrentLinkedDeque<>();
    private final List<RecordedPrompt> prompts = new CopyOnWriteArrayList<>();
    private final List<ScriptedSession> sessions = new CopyOnWriteArrayList<>();
    private final ModelInfo info;
    private volatile ScriptedReply fallback;
    private volatile Duration extraDelay = Duration.ZERO;
    private volatile boolean closed;

    /** A model with a context of 4096 tokens whose replies are all {@code "OK"} until others are scripted. */
    public ScriptedModel() {
        this("scripted", 4096);
    }

    /**
     * @param name          the model's name and identity (sessions restore only into a model of the same name)
     * @param contextLength the context of its sessions, in estimated tokens
     */
    public ScriptedModel(String name, int contextLength) {
        this.info = new ModelInfo(name, "scripted", 0, 0, 0, 0, 0, 0, contextLength, contextLength, Set.of(), "",
                Map.of("<think>", 0, "</think>", 1), "", "", "scripted", "scripted:" + name, Sampler.greedy());
        this.fallback = ScriptedReply.answer("OK");
    }

    /** A model that answers with these replies in order (each parsed by {@link ScriptedReply#parse}). */
    public static ScriptedModel replying(String... replies) {
        ScriptedModel m = new ScriptedModel();
        for (String r : replies) {
            m.enqueue(ScriptedReply.parse(r));
        }
        return m;
    }

    /** Adds replies to the end of the script. */
    public ScriptedModel enqueue(ScriptedReply... more) {
        for (ScriptedReply r : more) {
            replies.add(Objects.requireNonNull(r));
        }
        return this;
    }

    /** Adds a reply parsed from {@code "<think>…</think>answer"}. */
    public ScriptedModel enqueue(String reply) {
        return enqueue(ScriptedReply.parse(reply));
    }

    /** The reply used when the script is empty; null makes an empty script an error. */
    public ScriptedModel whenScriptEmpty(ScriptedReply reply) {
        this.fallback = reply;
        return this;
    }

    /** The next generation fails with {@code error} (as a backend failure would). */
    public ScriptedModel failNext(JinnException error) {
        replies.addFirst(ScriptedReply.failure(error));
        return this;
    }

    /** Every chunk of every reply takes at least this long (a slow model). */
    public ScriptedModel slow(Duration perChunk) {
        this.extraDelay = Objects.requireNonNull(perChunk);
        return this;
    }

    /** Every prompt seen, oldest first. */
    public List<RecordedPrompt> prompts() {
        return List.copyOf(prompts);
    }

    /** The newest prompt seen. */
    public RecordedPrompt lastPrompt() {
        if (prompts.isEmpty()) {
            throw new IllegalStateException("the scripted model has not been asked anything yet");
        }
        return prompts.getLast();
    }

    /** Replies scripted and not used yet. */
    public int remainingReplies() {
        return replies.size();
    }

    ScriptedReply nextReply(RecordedPrompt prompt) {
        prompts.add(prompt);
        ScriptedReply r = replies.poll();
        if (r == null) {
            r = fallback;
        }
        if (r == null) {
            return ScriptedReply.failure(new GenerationException("the scripted model has no reply left for prompt "
                    + "'" + prompt.lastUserMessage() + "'; enqueue one"));
        }
        return r;
    }

    Duration extraDelay() {
        return extraDelay;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public Session newSession(SessionOptions options) {
        ensureOpen();
        ScriptedSession s = new ScriptedSession(this, Objects.requireNonNull(options, "options"), new ArrayList<>());
        sessions.add(s);
        return s;
    }

    ScriptedSession adopt(ScriptedSession s) {
        sessions.add(s);
        return s;
    }

    void forget(ScriptedSession s) {
        sessions.remove(s);
    }

    @Override
    public Session restoreSession(Path file) {
        ensureOpen();
        return adopt(ScriptedSession.restore(this, file));
    }

    void ensureOpen() {
        if (closed) {
            throw new ClosedException("ScriptedModel " + info.name() + " is closed; create a new one");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        for (ScriptedSession s : sessions) {
            s.close();
        }
    }
}
