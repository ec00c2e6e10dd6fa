package dev.jinn.engine.session;

import dev.jinn.ClosedException;
import dev.jinn.InvalidOptionException;
import dev.jinn.Model;
import dev.jinn.ModelInfo;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.jinn.engine.Transformer;
import dev.jinn.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Model} every backend shares: a {@link Transformer} (the forward pass on some backend), the model's
 * {@link Tokenizer} and {@link PromptFormat}, with sessions, sampling, stop conditions and reasoning separation.
 * Thread-safe.
 */
public final class EngineModel implements Model {
    private static final Logger LOG = LoggerFactory.getLogger(EngineModel.class);

    private final ModelInfo info;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final PromptFormat format;
    private final AutoCloseable resources;
    private final Set<EngineSession> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param info        what the model is; {@code info.contextLength()} is the default session context
     * @param transformer the forward pass; owned (closed with the model)
     * @param tokenizer   the model's tokenizer
     * @param format      the chat template
     * @param resources   closed after the transformer (the mapped file, ...); may be null
     */
    public EngineModel(ModelInfo info, Transformer transformer, Tokenizer tokenizer, PromptFormat format,
            AutoCloseable resources) {
        this.info = Objects.requireNonNull(info, "info");
        this.transformer = Objects.requireNonNull(transformer, "transformer");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.format = Objects.requireNonNull(format, "format");
        this.resources = resources;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    Transformer transformer() {
        return transformer;
    }

    PromptFormat format() {
        return format;
    }

    @Override
    public Session newSession(SessionOptions options) {
        Objects.requireNonNull(options, "options");
        ensureOpen();
        return register(new EngineSession(this, options, contextFor(options)));
    }

    int contextFor(SessionOptions options) {
        int ctx = options.contextLength() == 0 ? info.contextLength() : options.contextLength();
        if (ctx > info.contextLength()) {
            throw new InvalidOptionException("SessionOptions.contextLength = " + ctx + " is invalid: this model was "
                    + "loaded with a context of " + info.contextLength() + "; load it with a larger "
                    + "ModelOptions.contextLength (the model was trained for " + info.trainedContextLength() + ")");
        }
        if (ctx < 2) {
            throw new InvalidOptionException("SessionOptions.contextLength = " + ctx + " is invalid: must be ≥ 2");
        }
        return ctx;
    }

    EngineSession register(EngineSession s) {
        sessions.add(s);
        if (closed) { // raced with close()
            s.close();
            ensureOpen();
        }
        return s;
    }

    void unregister(EngineSession s) {
        sessions.remove(s);
    }

    @Override
    public Session restoreSession(Path file) {
        ensureOpen();
        return register(SessionFile.read(this, file));
    }

    void ensureOpen() {
        if (closed) {
            throw new ClosedException("Model " + info.name() + " is closed; load it again with Model.load");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EngineSession s : sessions) {
            s.close();
        }
        transformer.close();
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                LOG.warn("Closing the resources of model {} failed", info.name(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "EngineModel[" + info.name() + ", " + info.backend() + "]";
    }
}
