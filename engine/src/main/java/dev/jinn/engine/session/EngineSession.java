package dev.jinn.engine.session;

import dev.jinn.ChatMessage;
import dev.jinn.ClosedException;
import dev.jinn.ConcurrentUseException;
import dev.jinn.ContextOverflowException;
import dev.jinn.Generation;
import dev.jinn.GenerationOptions;
import dev.jinn.InvalidOptionException;
import dev.jinn.Model;
import dev.jinn.OverflowPolicy;
import dev.jinn.Prompt;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.jinn.engine.SequenceState;
import dev.jinn.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A conversation over one {@link SequenceState}. The KV cache holds exactly the tokens in {@link #cached}; a new
 * prompt prefills only what follows the longest common prefix with them. One thread at a time: {@link #owner} is
 * taken by a running generation (or by fork/save/reset) and a second user gets {@link ConcurrentUseException}.
 */
final class EngineSession implements Session {
    /** How the session has been used so far: chat turns and raw text do not mix. */
    enum Mode { NONE, CHAT, RAW }

    /** Prefill is cut into chunks this long so that cancellation and timeouts are seen during long prompts. */
    static final int PREFILL_CHUNK = 512;

    private final EngineModel model;
    private final SessionOptions options;
    private final int capacity;
    private final AtomicReference<Object> owner = new AtomicReference<>();
    private volatile boolean closed;

    // guarded by owner
    private SequenceState seq;
    private TokenList cached = new TokenList();
    private List<ChatMessage> history = new ArrayList<>();
    private TokenList transcript = new TokenList();
    private Mode mode = Mode.NONE;

    EngineSession(EngineModel model, SessionOptions options, int capacity) {
        this.model = model;
        this.options = options;
        this.capacity = capacity;
    }

    /** What one generation will prefill: the whole prompt as tokens and the conversation it stands for. */
    record Plan(int[] tokens, List<ChatMessage> history, Mode mode, boolean startsInReasoning, int droppedTurns) {}

    // ---- generation ---------------------------------------------------------------------------------------

    @Override
    public Generation generate(Prompt prompt, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        Object token = new Object();
        acquire(token, "generate");
        try {
            Plan plan = plan(prompt);
            EngineGeneration g = new EngineGeneration(this, plan, options);
            owner.set(g);
            return g;
        } catch (RuntimeException e) {
            owner.compareAndSet(token, null);
            throw e;
        }
    }

    Plan plan(Prompt prompt) {
        Tokenizer tok = model.tokenizer();
        return switch (prompt) {
            case Prompt.Chat chat -> {
                if (mode == Mode.RAW) {
                    throw new InvalidOptionException("this session was used for raw prompts; chat turns need a new "
                            + "session (model.newSession())");
                }
                List<ChatMessage> msgs = new ArrayList<>(history);
                if (msgs.isEmpty() && options.systemPrompt() != null
                        && chat.messages().getFirst().role() != ChatMessage.Role.SYSTEM) {
                    msgs.add(ChatMessage.system(options.systemPrompt()));
                }
                int oldCount = msgs.size();
                msgs.addAll(chat.messages());
                int dropped = 0;
                while (true) {
                    String text = model.format().render(msgs, true);
                    int[] ids = encodeWithBos(tok, text);
                    if (ids.length < capacity) {
                        yield new Plan(ids, List.copyOf(msgs), Mode.CHAT, endsInOpenThink(text), dropped);
                    }
                    if (options.overflowPolicy() == OverflowPolicy.FAIL) {
                        throw overflow(ids.length, "shorten the prompt, start a new session, use a larger "
                                + "SessionOptions.contextLength, or OverflowPolicy.DROP_OLDEST_TURNS");
                    }
                    int first = 0;
                    while (first < oldCount && msgs.get(first).role() == ChatMessage.Role.SYSTEM) {
                        first++;
                    }
                    if (first >= oldCount) {
                        throw overflow(ids.length, "it does not fit even after dropping every earlier turn; "
                                + "shorten the message or use a larger SessionOptions.contextLength");
                    }
                    // drop the oldest turn and the assistant replies that answered it
                    msgs.remove(first);
                    oldCount--;
                    dropped++;
                    while (first < oldCount && msgs.get(first).role() == ChatMessage.Role.ASSISTANT) {
                        msgs.remove(first);
                        oldCount--;
                    }
                }
            }
            case Prompt.Raw raw -> {
                if (mode == Mode.CHAT) {
                    throw new InvalidOptionException("this session holds a chat; raw prompts need a new session "
                            + "(model.newSession())");
                }
                // BOS as add_bos_token says, but never twice when the text itself starts with the BOS token
                int[] more = transcript.size() == 0 ? encodeWithBos(tok, raw.text())
                        : tok.encode(raw.text(), false, true);
                TokenList all = transcript.copy();
                all.addAll(more, 0, more.length);
                if (all.size() == 0) {
                    throw new InvalidOptionException("the raw prompt is empty and the session has no tokens yet; "
                            + "give some text");
                }
                if (all.size() >= capacity) {
                    throw overflow(all.size(), "raw sessions cannot drop turns: shorten the text, start a new "
                            + "session or use a larger SessionOptions.contextLength");
                }
                yield new Plan(all.toArray(), List.of(), Mode.RAW, endsInOpenThink(raw.text()), 0);
            }
        };
    }

    private ContextOverflowException overflow(int tokens, String advice) {
        return new ContextOverflowException("The prompt is " + tokens + " tokens but the session's context holds "
                + capacity + " (with room for at least one generated token): " + advice, tokens, capacity);
    }

    static int[] encodeWithBos(Tokenizer tok, String text) {
        int[] ids = tok.encode(text, false, true);
        int bos = tok.bosId();
        if (tok.addBosByDefault() && bos >= 0 && (ids.length == 0 || ids[0] != bos)) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = bos;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        return ids;
    }

    static boolean endsInOpenThink(String text) {
        String t = text.stripTrailing();
        return t.endsWith(ReasoningSplitter.OPEN);
    }

    /**
     * Makes the KV cache hold {@code plan.tokens()}, reusing the common prefix. Returns the logits of the last
     * prompt token, or null when {@code gen} was interrupted between chunks (cache consistent either way).
     */
    float[] prefill(Plan plan, EngineGeneration gen) {
        if (seq == null) {
            seq = model.transformer().newSequence(capacity);
        }
        int[] tokens = plan.tokens();
        int common = cached.commonPrefix(tokens);
        if (common == tokens.length) {
            common--; // the last prompt token is run again for its logits
        }
        seq.truncate(common);
        cached.truncate(common);
        gen.prefillStarted(common, tokens.length - common);
        float[] logits = null;
        for (int from = common; from < tokens.length; from += PREFILL_CHUNK) {
            if (gen.interruption() != null) {
                return null;
            }
            int to = Math.min(tokens.length, from + PREFILL_CHUNK);
            int[] chunk = java.util.Arrays.copyOfRange(tokens, from, to);
            logits = model.transformer().forward(seq, chunk, false);
            cached.addAll(chunk, 0, chunk.length);
        }
        return logits;
    }

    float[] decode(int token) {
        float[] logits = model.transformer().forward(seq, new int[] {token}, false);
        cached.add(token);
        return logits;
    }

    int cachedSize() {
        return cached.size();
    }

    int[] cachedIds() {
        return cached.raw();
    }

    /** Called by the generation when it ends; commits the conversation unless it failed, then frees the session. */
    void finished(EngineGeneration gen, Plan plan, String reply, int[] generated, boolean failed) {
        try {
            if (seq != null && seq.length() != cached.size()) {
                int n = Math.min(seq.length(), cached.size());
                seq.truncate(n);
                cached.truncate(n);
            }
            if (!failed) {
                mode = plan.mode();
                if (plan.mode() == Mode.CHAT) {
                    List<ChatMessage> h = new ArrayList<>(plan.history());
                    h.add(ChatMessage.assistant((plan.startsInReasoning() ? "<think>\n" : "") + reply));
                    history = h;
                } else {
                    TokenList t = TokenList.of(plan.tokens());
                    t.addAll(generated, 0, generated.length);
                    transcript = t;
                }
            }
        } finally {
            owner.compareAndSet(gen, null);
        }
    }

    EngineModel engineModel() {
        return model;
    }

    int capacity() {
        return capacity;
    }

    boolean closedFlag() {
        return closed;
    }

    // ---- session operations -------------------------------------------------------------------------------

    private void acquire(Object token, String what) {
        ensureOpen();
        if (owner.get() instanceof EngineGeneration g && g.cancelRequested()) {
            g.close(); // a cancelled generation nobody pulled to its end: finish it so the session is free again
        }
        if (!owner.compareAndSet(null, token)) {
            throw new ConcurrentUseException("Session." + what + ": a generation is still running on this session "
                    + "(sessions are for one thread at a time); finish, cancel or close it first, or fork the session");
        }
        if (closed) {
            owner.compareAndSet(token, null);
            ensureOpen();
        }
    }

    private void release(Object token) {
        owner.compareAndSet(token, null);
    }

    void ensureOpen() {
        if (closed) {
            throw new ClosedException("Session is closed; create a new one with model.newSession()");
        }
        model.ensureOpen();
    }

    @Override
    public void cancel() {
        if (owner.get() instanceof EngineGeneration g) {
            g.cancel();
        }
    }

    @Override
    public List<ChatMessage> history() {
        ensureOpen();
        return List.copyOf(history);
    }

    @Override
    public int tokenCount() {
        return cached.size();
    }

    @Override
    public int contextLength() {
        return capacity;
    }

    @Override
    public SessionOptions options() {
        return options;
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public Session fork() {
        Object token = new Object();
        acquire(token, "fork");
        try {
            EngineSession copy = new EngineSession(model, options, capacity);
            copy.seq = seq == null ? null : seq.copy();
            copy.cached = cached.copy();
            copy.history = new ArrayList<>(history);
            copy.transcript = transcript.copy();
            copy.mode = mode;
            return model.register(copy);
        } finally {
            release(token);
        }
    }

    @Override
    public void reset() {
        Object token = new Object();
        acquire(token, "reset");
        try {
            if (seq != null) {
                seq.truncate(0);
            }
            cached = new TokenList();
            history = new ArrayList<>();
            transcript = new TokenList();
            mode = Mode.NONE;
        } finally {
            release(token);
        }
    }

    @Override
    public void save(Path file) {
        Objects.requireNonNull(file, "file");
        Object token = new Object();
        acquire(token, "save");
        try {
            SessionFile.write(this, file);
        } finally {
            release(token);
        }
    }

    // state access for SessionFile (called while owning the session)
    SequenceState seq() {
        return seq;
    }

    TokenList cached() {
        return cached;
    }

    List<ChatMessage> historyState() {
        return history;
    }

    TokenList transcript() {
        return transcript;
    }

    Mode mode() {
        return mode;
    }

    void restoreState(SequenceState seq, TokenList cached, List<ChatMessage> history, TokenList transcript,
            Mode mode) {
        this.seq = seq;
        this.cached = cached;
        this.history = new ArrayList<>(history);
        this.transcript = transcript;
        this.mode = mode;
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
        if (owner.get() instanceof EngineGeneration g) {
            g.close(); // cancels and waits for the running step to end
        }
        // take the session so that nothing else runs while the cache is freed
        Object token = new Object();
        long waitUntil = System.nanoTime() + 5_000_000_000L;
        while (!owner.compareAndSet(null, token) && System.nanoTime() < waitUntil) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        if (seq != null) {
            seq.close();
            seq = null;
        }
        model.unregister(this);
    }
}
