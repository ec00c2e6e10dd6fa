package dev.jinn.engine;

import dev.jinn.KvCacheType;
import dev.jinn.spi.Backend;
import dev.jinn.spi.KvCache;
import dev.jinn.spi.Tensor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Objects;

/**
 * The Qwen2/Llama forward pass, written once against the {@link Backend} SPI: pre-norm blocks of grouped-query
 * attention with RoPE (NEOX for qwen2, interleaved for llama) and a SwiGLU feed-forward, then the output norm and
 * the logits. Prompts run in batches of up to {@link #maxBatch()} tokens (mat-mat); one token is a decode step
 * (mat-vec). Thread-safe: each sequence carries its own scratch tensors.
 */
public final class LlamaTransformer implements Transformer {
    private static final int STATE_MAGIC = 0x4A4B5631; // "JKV1"

    private final ModelConfig config;
    private final Backend backend;
    private final TransformerWeights weights;
    private final KvCacheType kvType;
    private final int maxBatch;
    private final AutoCloseable resources;
    private volatile boolean closed;

    /**
     * @param resources closed after the backend (the mapped file); may be null
     */
    public LlamaTransformer(ModelConfig config, Backend backend, TransformerWeights weights, KvCacheType kvType,
                            int maxBatch, AutoCloseable resources) {
        this.config = Objects.requireNonNull(config, "config");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.kvType = kvType == null ? KvCacheType.F16 : kvType;
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, was " + maxBatch);
        }
        if (weights.layers().size() != config.layers()) {
            throw new IllegalArgumentException("config has " + config.layers() + " layers, weights "
                    + weights.layers().size());
        }
        this.maxBatch = maxBatch;
        this.resources = resources;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    public KvCacheType kvCacheType() {
        return kvType;
    }

    /** The most tokens one prefill batch holds. */
    public int maxBatch() {
        return maxBatch;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("transformer of " + config.architecture() + " model is closed");
        }
    }

    @Override
    public SequenceState newSequence(int capacity) {
        checkOpen();
        if (capacity < 1) {
            throw new IllegalArgumentException("sequence capacity must be >= 1, was " + capacity);
        }
        return new Sequence(backend.kvCache(config.layers(), config.kvHeads(), config.headDim(), capacity, kvType));
    }

    @Override
    public float[] forward(SequenceState state, int[] tokens, boolean allLogits) {
        checkOpen();
        if (!(state instanceof Sequence seq) || seq.owner() != this) {
            throw new IllegalArgumentException("sequence state was not made by this transformer");
        }
        seq.checkOpen();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        for (int t : tokens) {
            if (t < 0 || t >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
        if (seq.length + tokens.length > seq.cache.capacity()) {
            throw new IllegalArgumentException(tokens.length + " tokens after " + seq.length
                    + " do not fit in a sequence of capacity " + seq.cache.capacity());
        }
        int vocab = config.vocabSize();
        float[] result = new float[allLogits ? tokens.length * vocab : vocab];
        Scratch s = seq.scratch();
        for (int from = 0; from < tokens.length; from += maxBatch) {
            int n = Math.min(maxBatch, tokens.length - from);
            boolean last = from + n == tokens.length;
            try {
                step(seq, s, tokens, from, n);
                if (allLogits) {
                    logits(s, n, 0);
                    for (int i = 0; i < n; i++) {
                        backend.read(s.logits, i, result, (from + i) * vocab);
                    }
                } else if (last) {
                    backend.copyRows(s.x, n - 1, s.x, 0, 1);
                    logits(s, 1, 0);
                    backend.read(s.logits, 0, result, 0);
                }
            } finally {
                backend.endStep(); // always: a GPU backend holds its device lock from beginStep to endStep
            }
            seq.length += n;
        }
        return result;
    }

    /** Runs the blocks over tokens[from, from+n) at positions seq.length.., leaving the residual stream in s.x. */
    private void step(Sequence seq, Scratch s, int[] tokens, int from, int n) {
        ModelConfig c = config;
        int pos = seq.length;
        backend.beginStep(n, pos);
        backend.embed(weights.tokenEmbedding(), tokens, from, n, s.x);
        for (int l = 0; l < c.layers(); l++) {
            TransformerWeights.Layer w = weights.layers().get(l);
            // attention: x += wo · attn(rope(wq·norm(x)), rope(wk·norm(x)), wv·norm(x))
            backend.rmsNorm(s.x, n, w.attnNorm(), c.rmsEps(), s.xb);
            backend.matmul(w.wq(), s.xb, n, w.bq(), s.q);     // (n, heads·headDim)
            backend.matmul(w.wk(), s.xb, n, w.bk(), s.k);     // (n, kvHeads·headDim)
            backend.matmul(w.wv(), s.xb, n, w.bv(), s.v);     // (n, kvHeads·headDim)
            backend.rope(s.q, n, c.heads(), c.headDim(), pos, c.ropeTheta(), c.ropeNeox());
            backend.rope(s.k, n, c.kvHeads(), c.headDim(), pos, c.ropeTheta(), c.ropeNeox());
            backend.attention(seq.cache, l, s.q, s.k, s.v, n, pos, c.heads(), c.kvHeads(), c.headDim(), s.att);
            backend.matmul(w.wo(), s.att, n, null, s.xb);
            backend.add(s.x, s.xb, n);
            // feed-forward: x += down · (silu(gate · norm(x)) ⊙ up · norm(x))
            backend.rmsNorm(s.x, n, w.ffnNorm(), c.rmsEps(), s.xb);
            backend.matmul(w.gate(), s.xb, n, null, s.hb);    // (n, ffn)
            backend.matmul(w.up(), s.xb, n, null, s.hb2);     // (n, ffn)
            backend.swiglu(s.hb, s.hb2, n, s.hb);
            backend.matmul(w.down(), s.hb, n, null, s.xb);    // (n, hidden)
            backend.add(s.x, s.xb, n);
        }
    }

    private void logits(Scratch s, int n, int row) {
        if (s.logits == null || s.logits.rows() < n) {
            s.logits = backend.tensor(Math.max(n, 1), config.vocabSize());
        }
        backend.rmsNorm(s.x, n, weights.outputNorm(), config.rmsEps(), s.xb);
        backend.matmul(weights.output(), s.xb, n, null, s.logits);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            backend.close();
            if (resources != null) {
                try {
                    resources.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing model resources failed", e);
                }
            }
        }
    }

    /** Scratch activations for batches of up to maxBatch tokens. */
    private final class Scratch {
        final Tensor x;
        final Tensor xb;
        final Tensor q;
        final Tensor k;
        final Tensor v;
        final Tensor att;
        final Tensor hb;
        final Tensor hb2;
        Tensor logits;

        Scratch(int rows) {
            ModelConfig c = config;
            x = backend.tensor(rows, c.hidden());
            xb = backend.tensor(rows, c.hidden());
            q = backend.tensor(rows, c.heads() * c.headDim());
            k = backend.tensor(rows, c.kvHeads() * c.headDim());
            v = backend.tensor(rows, c.kvHeads() * c.headDim());
            att = backend.tensor(rows, c.heads() * c.headDim());
            hb = backend.tensor(rows, c.ffn());
            hb2 = backend.tensor(rows, c.ffn());
        }
    }

    /** A sequence: its KV cache, its length, and scratch tensors made on first use. */
    private final class Sequence implements SequenceState {
        final KvCache cache;
        int length;
        private Scratch scratch;
        private boolean seqClosed;

        Sequence(KvCache cache) {
            this.cache = cache;
        }

        LlamaTransformer owner() {
            return LlamaTransformer.this;
        }

        void checkOpen() {
            if (seqClosed) {
                throw new IllegalStateException("sequence state is closed");
            }
        }

        Scratch scratch() {
            if (scratch == null) {
                scratch = new Scratch(maxBatch);
            }
            return scratch;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public int capacity() {
            return cache.capacity();
        }

        @Override
        public void truncate(int newLength) {
            checkOpen();
            if (newLength < 0 || newLength > length) {
                throw new IllegalArgumentException("cannot truncate a sequence of length " + length + " to "
                        + newLength);
            }
            length = newLength;
        }

        @Override
        public SequenceState copy() {
            checkOpen();
            Sequence c = new Sequence(backend.kvCache(config.layers(), config.kvHeads(), config.headDim(),
                    cache.capacity(), kvType));
            cache.copyTo(c.cache, length);
            c.length = length;
            return c;
        }

        @Override
        public void writeTo(DataOutput out) throws IOException {
            checkOpen();
            byte[] data = cache.export(length);
            out.writeInt(STATE_MAGIC);
            out.writeInt(length);
            out.writeLong(cache.bytesPerPosition());
            out.writeInt(data.length);
            out.write(data);
        }

        @Override
        public void readFrom(DataInput in) throws IOException {
            checkOpen();
            int magic = in.readInt();
            if (magic != STATE_MAGIC) {
                throw new IllegalArgumentException("not a saved sequence state (magic " + Integer.toHexString(magic)
                        + ")");
            }
            int len = in.readInt();
            long perPos = in.readLong();
            int size = in.readInt();
            if (len < 0 || len > cache.capacity() || perPos != cache.bytesPerPosition() || size != perPos * len) {
                throw new IllegalArgumentException("saved state of " + len + " positions × " + perPos
                        + " bytes does not fit this sequence (capacity " + cache.capacity() + ", "
                        + cache.bytesPerPosition() + " bytes per position)");
            }
            byte[] data = new byte[size];
            in.readFully(data);
            cache.importFrom(data, len);
            length = len;
        }

        @Override
        public void close() {
            if (!seqClosed) {
                seqClosed = true;
                cache.close();
            }
        }
    }
}
