package dev.jinn.engine.session;

import dev.jinn.ConcurrentUseException;
import dev.jinn.FinishReason;
import dev.jinn.Generation;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationException;
import dev.jinn.GenerationOptions;
import dev.jinn.JinnException;
import dev.jinn.Sampler;
import dev.jinn.Usage;
import dev.jinn.engine.sampling.SamplerChain;
import dev.jinn.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One generation of an {@link EngineSession}, advanced token by token inside {@link #next()}:
 * prefill (in chunks) → [sample → detokenize → stop strings → reasoning split → feed the token back]*.
 */
final class EngineGeneration implements Generation {
    private final EngineSession session;
    private final EngineSession.Plan plan;
    private final GenerationOptions options;
    private final SamplerChain chain;
    private final SplittableRandom rng;
    private final long deadline; // System.nanoTime(), or Long.MAX_VALUE
    private final Tokenizer tokenizer;
    private final Tokenizer.StreamingDecoder decoder;
    private final StopMatcher stops;
    private final ReasoningSplitter splitter;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<GenerationEvent> pending = new ArrayDeque<>();
    private final ArrayDeque<Integer> forced = new ArrayDeque<>();
    private final TokenList generated = new TokenList();
    private final StringBuilder reply = new StringBuilder();
    private volatile boolean cancelled;
    private volatile GenerationEvent.Done done;
    private boolean doneDelivered;
    private boolean started;
    private float[] logits;
    private int completion;
    private int reasoning;
    private int cachedPromptTokens;
    private int prefilledTokens;
    private long startNanos;
    private long prefillNanos;
    private long decodeStartNanos;

    EngineGeneration(EngineSession session, EngineSession.Plan plan, GenerationOptions options) {
        this.session = session;
        this.plan = plan;
        this.options = options;
        EngineModel model = session.engineModel();
        Sampler sampler = options.sampler() != null ? options.sampler() : model.info().recommendedSampler();
        this.chain = new SamplerChain(sampler);
        long seed = options.seed() != null ? options.seed() : ThreadLocalRandom.current().nextLong();
        this.rng = new SplittableRandom(seed);
        this.deadline = options.timeout() == null ? Long.MAX_VALUE
                : System.nanoTime() + Math.min(options.timeout().toNanos(), Long.MAX_VALUE / 4);
        this.tokenizer = model.tokenizer();
        this.decoder = tokenizer.newStreamingDecoder(true);
        this.stops = new StopMatcher(options.stopStrings());
        this.splitter = new ReasoningSplitter(plan.startsInReasoning());
    }

    @Override
    public boolean hasNext() {
        return !doneDelivered;
    }

    @Override
    public GenerationEvent next() {
        if (doneDelivered) {
            throw new NoSuchElementException("the generation has ended (its Done event was delivered)");
        }
        if (!lock.tryLock()) {
            throw new ConcurrentUseException("Generation.next: another thread is advancing this generation; "
                    + "use a generation from one thread at a time");
        }
        try {
            while (pending.isEmpty()) {
                step();
            }
            GenerationEvent e = pending.poll();
            if (e instanceof GenerationEvent.Done) {
                doneDelivered = true;
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    boolean cancelRequested() {
        return cancelled;
    }

    @Override
    public GenerationEvent.Done done() {
        return done;
    }

    @Override
    public void close() {
        if (done != null) {
            return;
        }
        cancel();
        lock.lock(); // waits for a step running on another thread
        try {
            while (done == null) {
                step();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Why to stop now, or null to go on. */
    FinishReason interruption() {
        if (cancelled || session.closedFlag()) {
            return FinishReason.CANCELLED;
        }
        if (System.nanoTime() - deadline >= 0) {
            return FinishReason.TIMEOUT;
        }
        return null;
    }

    void prefillStarted(int reused, int toPrefill) {
        cachedPromptTokens = reused;
        prefilledTokens = toPrefill;
    }

    private void step() {
        if (done != null) {
            return;
        }
        try {
            if (!started) {
                started = true;
                startNanos = System.nanoTime();
                FinishReason early = interruption();
                if (early != null) {
                    finish(early, null);
                    return;
                }
                logits = session.prefill(plan, this);
                prefillNanos = System.nanoTime() - startNanos;
                decodeStartNanos = System.nanoTime();
                if (logits == null) {
                    finish(interruption(), null);
                }
                return;
            }
            FinishReason stop = interruption();
            if (stop != null) {
                finish(stop, null);
                return;
            }
            if (completion >= options.maxTokens()) {
                finish(FinishReason.LENGTH, null);
                return;
            }
            int token = chooseToken();
            if (token == tokenizer.eosId() || options.stopTokens().contains(token)) {
                finish(FinishReason.STOP, null);
                return;
            }
            if (splitter.inReasoning()) {
                reasoning++;
            }
            completion++;
            generated.add(token);
            String released = stops.accept(decoder.accept(token));
            emit(released);
            if (stops.stopped()) {
                finish(FinishReason.STOP, null);
                return;
            }
            if (session.cachedSize() >= session.capacity()) {
                finish(FinishReason.LENGTH, null);
                return;
            }
            logits = session.decode(token);
        } catch (JinnException e) {
            finish(FinishReason.ERROR, e);
        } catch (RuntimeException e) {
            finish(FinishReason.ERROR, new GenerationException("generation failed: " + e, e));
        }
    }

    private int chooseToken() {
        if (forced.isEmpty() && options.reasoningBudget() >= 0 && splitter.inReasoning()
                && reasoning >= options.reasoningBudget()) {
            int close = tokenizer.tokenId(ReasoningSplitter.CLOSE);
            if (close >= 0) {
                forced.add(close);
            } else {
                for (int id : tokenizer.encode(ReasoningSplitter.CLOSE, false, true)) {
                    forced.add(id);
                }
            }
        }
        if (!forced.isEmpty()) {
            return forced.poll();
        }
        return chain.sample(logits, session.cachedIds(), session.cachedSize(), rng);
    }

    private void emit(String text) {
        if (!text.isEmpty()) {
            reply.append(text);
            pending.addAll(splitter.accept(text));
        }
    }

    private void finish(FinishReason reason, JinnException error) {
        if (error == null) {
            emit(stops.accept(decoder.flush()));
            emit(stops.flush());
            pending.addAll(splitter.flush());
        }
        long now = System.nanoTime();
        double prefillSeconds = prefillNanos / 1e9;
        double decodeSeconds = started && decodeStartNanos > 0 ? (now - decodeStartNanos) / 1e9 : 0;
        Usage usage = new Usage(plan.tokens().length, cachedPromptTokens, completion, reasoning,
                prefilledTokens > 0 && prefillSeconds > 0 ? prefilledTokens / prefillSeconds : 0,
                completion > 0 && decodeSeconds > 0 ? completion / decodeSeconds : 0);
        GenerationEvent.Done d = new GenerationEvent.Done(reason, usage, error);
        pending.add(d);
        done = d;
        session.finished(this, plan, reply.toString(), generated.toArray(), error != null);
    }
}
