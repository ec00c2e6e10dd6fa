package dev.jinn.testing;

import dev.jinn.ChatMessage;
import dev.jinn.ClosedException;
import dev.jinn.ConcurrentUseException;
import dev.jinn.ContextOverflowException;
import dev.jinn.FinishReason;
import dev.jinn.Generation;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationOptions;
import dev.jinn.InvalidOptionException;
import dev.jinn.Model;
import dev.jinn.OverflowPolicy;
import dev.jinn.Prompt;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.jinn.StateFileException;
import dev.jinn.Usage;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicReference;

/** A {@link ScriptedModel}'s session: the conversation is kept, the replies come from the script. */
final class ScriptedSession implements Session {
    private static final String MAGIC = "JINNSCRP";

    private final ScriptedModel model;
    private final SessionOptions options;
    private final AtomicReference<Object> owner = new AtomicReference<>();
    private volatile List<ChatMessage> history;
    private volatile boolean closed;

    ScriptedSession(ScriptedModel model, SessionOptions options, List<ChatMessage> history) {
        this.model = model;
        this.options = options;
        this.history = List.copyOf(history);
    }

    static int estimateTokens(List<ChatMessage> messages) {
        int chars = 0;
        for (ChatMessage m : messages) {
            chars += m.content().length() + 4;
        }
        return chars / 4 + 1;
    }

    @Override
    public Generation generate(Prompt prompt, GenerationOptions options) {
        ensureOpen();
        Object token = new Object();
        if (!owner.compareAndSet(null, token)) {
            throw new ConcurrentUseException("Session.generate: a generation is still running on this session "
                    + "(sessions are for one thread at a time); finish, cancel or close it first");
        }
        try {
            List<ChatMessage> conversation = new ArrayList<>(history);
            String raw = null;
            switch (prompt) {
                case Prompt.Chat c -> {
                    if (conversation.isEmpty() && this.options.systemPrompt() != null
                            && c.messages().getFirst().role() != ChatMessage.Role.SYSTEM) {
                        conversation.add(ChatMessage.system(this.options.systemPrompt()));
                    }
                    conversation.addAll(c.messages());
                }
                case Prompt.Raw r -> raw = r.text();
            }
            int tokens = raw != null ? raw.length() / 4 + 1 : estimateTokens(conversation);
            int ctx = contextLength();
            while (tokens >= ctx && raw == null && this.options.overflowPolicy() == OverflowPolicy.DROP_OLDEST_TURNS
                    && dropOldest(conversation, conversation.size() - ((Prompt.Chat) prompt).messages().size())) {
                tokens = estimateTokens(conversation);
            }
            if (tokens >= ctx) {
                throw new ContextOverflowException("The prompt is about " + tokens + " tokens but the session's "
                        + "context holds " + ctx + ": shorten it, start a new session or use "
                        + "OverflowPolicy.DROP_OLDEST_TURNS", tokens, ctx);
            }
            RecordedPrompt recorded = new RecordedPrompt(raw == null ? conversation : List.of(), raw, options);
            ScriptedGeneration g = new ScriptedGeneration(recorded, model.nextReply(recorded), options, tokens);
            owner.set(g);
            return g;
        } catch (RuntimeException e) {
            owner.compareAndSet(token, null);
            throw e;
        }
    }

    private static boolean dropOldest(List<ChatMessage> msgs, int oldCount) {
        int first = 0;
        while (first < oldCount && msgs.get(first).role() == ChatMessage.Role.SYSTEM) {
            first++;
        }
        if (first >= oldCount) {
            return false;
        }
        msgs.remove(first);
        oldCount--;
        while (first < oldCount && msgs.get(first).role() == ChatMessage.Role.ASSISTANT) {
            msgs.remove(first);
            oldCount--;
        }
        return true;
    }

    private final class ScriptedGeneration implements Generation {
        private final RecordedPrompt prompt;
        private final ScriptedReply reply;
        private final GenerationOptions options;
        private final int promptTokens;
        private final long deadline;
        private final ArrayDeque<GenerationEvent> left;
        private final StringBuilder answer = new StringBuilder();
        private final StringBuilder reasoning = new StringBuilder();
        private volatile boolean cancelled;
        private volatile GenerationEvent.Done done;
        private boolean delivered;
        private int completion;
        private int reasoningChunks;

        ScriptedGeneration(RecordedPrompt prompt, ScriptedReply reply, GenerationOptions options, int promptTokens) {
            this.prompt = prompt;
            this.reply = reply;
            this.options = options;
            this.promptTokens = promptTokens;
            this.deadline = options.timeout() == null ? Long.MAX_VALUE
                    : System.nanoTime() + options.timeout().toNanos();
            this.left = new ArrayDeque<>(reply.chunks());
        }

        @Override
        public boolean hasNext() {
            return !delivered;
        }

        @Override
        public synchronized GenerationEvent next() {
            if (delivered) {
                throw new NoSuchElementException("the generation has ended");
            }
            GenerationEvent e = step();
            if (e instanceof GenerationEvent.Done) {
                delivered = true;
            }
            return e;
        }

        private GenerationEvent step() {
            if (done != null) {
                return done;
            }
            if (cancelled || closed) {
                return finish(FinishReason.CANCELLED);
            }
            if (left.isEmpty()) {
                return finish(reply.failure() != null ? FinishReason.ERROR : reply.finishReason());
            }
            if (completion >= options.maxTokens()) {
                return finish(FinishReason.LENGTH);
            }
            long sleep = reply.delayPerChunk().plus(model.extraDelay()).toNanos();
            if (sleep > 0) {
                long until = System.nanoTime() + sleep;
                while (!cancelled && System.nanoTime() < until && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(Math.max(1, Math.min(10, (until - System.nanoTime()) / 1_000_000)));
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        cancelled = true;
                    }
                }
                if (cancelled) {
                    return finish(FinishReason.CANCELLED);
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                return finish(FinishReason.TIMEOUT);
            }
            GenerationEvent e = left.poll();
            completion++;
            switch (e) {
                case GenerationEvent.Reasoning r -> {
                    reasoningChunks++;
                    reasoning.append(r.text());
                }
                case GenerationEvent.Answer a -> answer.append(a.text());
                case GenerationEvent.Done d -> throw new AssertionError(d);
            }
            return e;
        }

        private GenerationEvent.Done finish(FinishReason reason) {
            Usage usage = new Usage(promptTokens, 0, completion, reasoningChunks, 0, 0);
            done = new GenerationEvent.Done(reason, usage, reason == FinishReason.ERROR ? reply.failure() : null);
            if (reason != FinishReason.ERROR && prompt.rawText() == null) {
                List<ChatMessage> h = new ArrayList<>(prompt.conversation());
                h.add(ChatMessage.assistant(reasoning.isEmpty() ? answer.toString()
                        : "<think>\n" + reasoning + "</think>\n\n" + answer));
                history = List.copyOf(h);
            }
            owner.compareAndSet(this, null);
            return done;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public GenerationEvent.Done done() {
            return done;
        }

        @Override
        public void close() {
            cancel();
            synchronized (this) {
                if (done == null) {
                    finish(FinishReason.CANCELLED);
                }
            }
        }
    }

    @Override
    public void cancel() {
        if (owner.get() instanceof Generation g) {
            g.cancel();
        }
    }

    @Override
    public List<ChatMessage> history() {
        ensureOpen();
        return history;
    }

    @Override
    public int tokenCount() {
        return history.isEmpty() ? 0 : estimateTokens(history);
    }

    @Override
    public int contextLength() {
        return options.contextLength() == 0 ? model.info().contextLength() : options.contextLength();
    }

    @Override
    public SessionOptions options() {
        return options;
    }

    @Override
    public Model model() {
        return model;
    }

    private void idle(String what) {
        ensureOpen();
        if (owner.get() != null) {
            throw new ConcurrentUseException("Session." + what + ": a generation is still running on this session");
        }
    }

    @Override
    public Session fork() {
        idle("fork");
        return model.adopt(new ScriptedSession(model, options, history));
    }

    @Override
    public void reset() {
        idle("reset");
        history = List.of();
    }

    @Override
    public void save(Path file) {
        idle("save");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeUTF(MAGIC);
            out.writeUTF(model.info().identity());
            out.writeInt(history.size());
            for (ChatMessage m : history) {
                out.writeByte(m.role().ordinal());
                out.writeUTF(m.content());
            }
        } catch (IOException e) {
            throw new StateFileException(file, "cannot write the session: " + e.getMessage(), e);
        }
    }

    static ScriptedSession restore(ScriptedModel model, Path file) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            if (!MAGIC.equals(in.readUTF())) {
                throw new StateFileException(file, "not a scripted-model session file");
            }
            String identity = in.readUTF();
            if (!identity.equals(model.info().identity())) {
                throw new StateFileException(file, "saved from model " + identity + ", but this is "
                        + model.info().identity() + "; restore it into the model it was saved from");
            }
            int n = in.readInt();
            if (n < 0 || n > 1_000_000) {
                throw new StateFileException(file, "corrupt session file: " + n + " messages");
            }
            List<ChatMessage> h = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int role = in.readUnsignedByte();
                if (role >= ChatMessage.Role.values().length) {
                    throw new StateFileException(file, "corrupt session file: role " + role);
                }
                h.add(new ChatMessage(ChatMessage.Role.values()[role], in.readUTF()));
            }
            return new ScriptedSession(model, SessionOptions.DEFAULTS, h);
        } catch (NoSuchFileException e) {
            throw new StateFileException(file, "no such file (give a file written by Session.save)");
        } catch (EOFException e) {
            throw new StateFileException(file, "truncated: the file ends before the session does", e);
        } catch (IOException e) {
            throw new StateFileException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    void ensureOpen() {
        if (closed) {
            throw new ClosedException("Session is closed; create a new one with model.newSession()");
        }
        model.ensureOpen();
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
        if (owner.get() instanceof Generation g) {
            g.close();
        }
        model.forget(this);
    }
}
