package dev.jinn.testing;

import dev.jinn.engine.ModelConfig;
import dev.jinn.engine.SequenceState;
import dev.jinn.engine.Transformer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic {@link Transformer} without weights. Its "KV cache" is the list of tokens; the logits at a
 * position are a pure function of all tokens up to it (a {@link Policy}), so a wrong cache (a stale or missing
 * token) changes the output just as it would in a real model. Counts forward calls and processed tokens, and can be
 * told to be slow or to fail. Thread-safe across sequences, as the contract requires.
 */
public final class FakeTransformer implements Transformer {

    /** Logits for the position after {@code context[0..length)}. Must be a pure function; thread-safe. */
    @FunctionalInterface
    public interface Policy {
        float[] logits(int[] context, int length, int vocabSize);
    }

    private final ModelConfig config;
    private final Policy policy;
    private final AtomicLong forwardCalls = new AtomicLong();
    private final AtomicLong tokensProcessed = new AtomicLong();
    private volatile Duration delayPerForward = Duration.ZERO;
    private volatile long failAtCall = -1;
    private volatile boolean closed;

    public FakeTransformer(int vocabSize, int contextLength, Policy policy) {
        this.config = new ModelConfig("fake", 16, 1, 1, 1, 16, 16, vocabSize, contextLength, 10000f, true, 1e-5f,
                true);
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** Pseudo-random logits (normal, σ = 3) seeded by a hash of the whole context. */
    public static FakeTransformer random(int vocabSize, int contextLength, long seed) {
        return new FakeTransformer(vocabSize, contextLength, (ctx, len, vocab) -> {
            long h = seed * 0x9E3779B97F4A7C15L;
            for (int i = 0; i < len; i++) {
                h = (h ^ ctx[i]) * 0x100000001B3L;
            }
            SplittableRandom r = new SplittableRandom(h);
            float[] l = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                l[i] = (float) (r.nextGaussian() * 3);
            }
            return l;
        });
    }

    /**
     * Answers every chat turn rendered by {@link FakeChatFormat} with a scripted text: turn n (counted by the
     * {@code <|assistant|>} tokens in the context) gets {@code replies[min(n, last)]}, then EOS. Generation starts
     * after the last {@code <|assistant|>} (and {@code <think>\n} when present). When the generated tokens leave the
     * script (a forced {@code </think>}), it continues after the longest matching piece of the script.
     * The scripted token gets logit 30, all others small noise, so any sampler picks it.
     */
    public static FakeTransformer replying(FakeTokenizer tok, int contextLength, String... replies) {
        List<int[]> scripts = new ArrayList<>();
        for (String r : replies) {
            scripts.add(tok.encode(r, false, true));
        }
        int assistant = tok.tokenId(FakeTokenizer.ASSISTANT);
        int think = tok.tokenId(FakeTokenizer.THINK);
        int eos = tok.eosId();
        return new FakeTransformer(tok.vocabularySize(), contextLength, (ctx, len, vocab) -> {
            int turns = 0;
            int start = -1;
            for (int i = 0; i < len; i++) {
                if (ctx[i] == assistant) {
                    turns++;
                    start = i + 1;
                }
            }
            int next = eos;
            if (start >= 0 && !scripts.isEmpty()) {
                if (start < len && ctx[start] == think) {
                    start++;
                    if (start < len && ctx[start] == '\n') {
                        start++;
                    }
                }
                int[] script = scripts.get(Math.min(turns - 1, scripts.size() - 1));
                next = nextInScript(script, Arrays.copyOfRange(ctx, Math.min(start, len), len), eos);
            }
            SplittableRandom r = new SplittableRandom(len);
            float[] l = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                l[i] = (float) r.nextDouble();
            }
            l[next] = 30f;
            return l;
        });
    }

    private static int nextInScript(int[] script, int[] generated, int eos) {
        int g = generated.length;
        if (g <= script.length && Arrays.equals(script, 0, g, generated, 0, g)) {
            return g < script.length ? script[g] : eos;
        }
        for (int m = Math.min(g, script.length); m >= 1; m--) {
            for (int p = m; p <= script.length; p++) {
                if (Arrays.equals(script, p - m, p, generated, g - m, g)) {
                    return p < script.length ? script[p] : eos;
                }
            }
        }
        return eos;
    }

    /** Sleeps this long in every forward call (a slow backend). */
    public FakeTransformer delayPerForward(Duration d) {
        this.delayPerForward = Objects.requireNonNull(d);
        return this;
    }

    /** Makes forward call number {@code n} (1-based, counted from now) throw {@link IllegalStateException}. */
    public FakeTransformer failAtCall(long n) {
        this.failAtCall = forwardCalls.get() + n;
        return this;
    }

    public long forwardCalls() {
        return forwardCalls.get();
    }

    /** Tokens run through forward so far (prefill and decode), to check that cached prefixes are not prefilled again. */
    public long tokensProcessed() {
        return tokensProcessed.get();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public SequenceState newSequence(int capacity) {
        checkOpen();
        if (capacity < 1 || capacity > config.contextLength()) {
            throw new IllegalArgumentException("capacity " + capacity + " is outside 1.." + config.contextLength());
        }
        return new Sequence(capacity);
    }

    @Override
    public float[] forward(SequenceState state, int[] tokens, boolean allLogits) {
        checkOpen();
        Sequence s = (Sequence) state;
        s.checkOpen();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        for (int t : tokens) {
            if (t < 0 || t >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + t + " is outside 0.." + (config.vocabSize() - 1));
            }
        }
        if (s.length + tokens.length > s.capacity) {
            throw new IllegalArgumentException(tokens.length + " tokens do not fit: " + s.length + " of "
                    + s.capacity + " positions are used");
        }
        long call = forwardCalls.incrementAndGet();
        if (call == failAtCall) {
            throw new IllegalStateException("fake backend failure at forward call " + call);
        }
        if (!delayPerForward.isZero()) {
            try {
                Thread.sleep(delayPerForward);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        tokensProcessed.addAndGet(tokens.length);
        int vocab = config.vocabSize();
        float[] out = new float[allLogits ? tokens.length * vocab : vocab];
        for (int i = 0; i < tokens.length; i++) {
            s.tokens[s.length++] = tokens[i];
            if (allLogits || i == tokens.length - 1) {
                float[] l = policy.logits(s.tokens, s.length, vocab);
                System.arraycopy(l, 0, out, allLogits ? i * vocab : 0, vocab);
            }
        }
        return out;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("FakeTransformer is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private static final class Sequence implements SequenceState {
        private static final int MAGIC = 0x46414B45; // "FAKE"
        private final int capacity;
        private final int[] tokens;
        private int length;
        private boolean closed;

        Sequence(int capacity) {
            this.capacity = capacity;
            this.tokens = new int[capacity];
        }

        void checkOpen() {
            if (closed) {
                throw new IllegalStateException("sequence is closed");
            }
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public int capacity() {
            return capacity;
        }

        @Override
        public void truncate(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("length " + n);
            }
            length = Math.min(length, n);
        }

        @Override
        public SequenceState copy() {
            Sequence c = new Sequence(capacity);
            System.arraycopy(tokens, 0, c.tokens, 0, length);
            c.length = length;
            return c;
        }

        @Override
        public void writeTo(DataOutput out) throws IOException {
            out.writeInt(MAGIC);
            out.writeInt(length);
            for (int i = 0; i < length; i++) {
                out.writeInt(tokens[i]);
            }
        }

        @Override
        public void readFrom(DataInput in) throws IOException {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a fake KV cache");
            }
            int n = in.readInt();
            if (n < 0 || n > capacity) {
                throw new IllegalArgumentException("cache length " + n + " exceeds capacity " + capacity);
            }
            for (int i = 0; i < n; i++) {
                tokens[i] = in.readInt();
            }
            length = n;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
