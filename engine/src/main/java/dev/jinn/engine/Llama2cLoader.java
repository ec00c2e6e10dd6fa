package dev.jinn.engine;

import dev.jinn.KvCacheType;
import dev.jinn.ModelFileException;
import dev.jinn.quant.GgmlType;
import dev.jinn.spi.Backend;
import dev.jinn.spi.WeightTensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a llama2.c legacy checkpoint (seven int32 header fields, then float32 arrays, row-major [out, in]) as a
 * Llama transformer: interleaved RoPE with theta 10000, RMSNorm eps 1e-5, embedding shared with the output when
 * vocab_size is positive. The weights stay in the mapped file.
 */
public final class Llama2cLoader {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Llama2cLoader() {}

    /**
     * @throws ModelFileException if the file is unreadable, its header is implausible or it is too short
     */
    public static LlamaTransformer load(Path file, Backend backend, KvCacheType kvType) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            if (seg.byteSize() < 28) {
                throw new ModelFileException(file, "too short for a llama2.c header (" + seg.byteSize() + " bytes)");
            }
            int dim = seg.get(INT, 0);
            int hidden = seg.get(INT, 4);
            int layers = seg.get(INT, 8);
            int heads = seg.get(INT, 12);
            int kvHeads = seg.get(INT, 16);
            int vocabField = seg.get(INT, 20);
            int seqLen = seg.get(INT, 24);
            boolean shared = vocabField > 0;
            int vocab = Math.abs(vocabField);
            if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0 || seqLen <= 0
                    || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0
                    || dim > 1 << 16 || hidden > 1 << 18 || layers > 1024 || vocab > 1 << 22) {
                throw new ModelFileException(file, "implausible llama2.c header: dim " + dim + ", hidden " + hidden
                        + ", layers " + layers + ", heads " + heads + ", kv heads " + kvHeads + ", vocab "
                        + vocabField + ", seq_len " + seqLen);
            }
            int headDim = dim / heads;
            int kvDim = kvHeads * headDim;
            ModelConfig config = new ModelConfig("llama", dim, layers, heads, kvHeads, headDim, hidden, vocab, seqLen,
                    10000f, false, 1e-5f, shared);
            long need = 28 + 4L * ((long) vocab * dim + layers * (2L * dim + 2L * dim * dim + 2L * kvDim * dim
                    + 3L * hidden * dim) + dim + (shared ? 0 : (long) vocab * dim));
            if (seg.byteSize() < need - (shared ? 0 : 0)) {
                throw new ModelFileException(file, "truncated: the header needs at least " + need
                        + " bytes of weights, the file has " + seg.byteSize());
            }
            Cursor c = new Cursor(seg, backend);
            WeightTensor embedding = c.next("token_embd.weight", vocab, dim);
            WeightTensor[] attnNorm = c.perLayer("attn_norm.weight", layers, 1, dim);
            WeightTensor[] wq = c.perLayer("attn_q.weight", layers, dim, dim);
            WeightTensor[] wk = c.perLayer("attn_k.weight", layers, kvDim, dim);
            WeightTensor[] wv = c.perLayer("attn_v.weight", layers, kvDim, dim);
            WeightTensor[] wo = c.perLayer("attn_output.weight", layers, dim, dim);
            WeightTensor[] ffnNorm = c.perLayer("ffn_norm.weight", layers, 1, dim);
            WeightTensor[] w1 = c.perLayer("ffn_gate.weight", layers, hidden, dim);
            WeightTensor[] w2 = c.perLayer("ffn_down.weight", layers, dim, hidden);
            WeightTensor[] w3 = c.perLayer("ffn_up.weight", layers, hidden, dim);
            WeightTensor outNorm = c.next("output_norm.weight", 1, dim);
            WeightTensor output = embedding;
            if (!shared) {
                c.skip(4L * seqLen * headDim); // freq_cis_real and freq_cis_imag, seq_len × head_size/2 each
                if (c.offset + 4L * vocab * dim > seg.byteSize()) {
                    throw new ModelFileException(file, "truncated: no room for the output matrix");
                }
                output = c.next("output.weight", vocab, dim);
            }
            List<TransformerWeights.Layer> blocks = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                blocks.add(new TransformerWeights.Layer(attnNorm[l], wq[l], null, wk[l], null, wv[l], null, wo[l],
                        ffnNorm[l], w1[l], w3[l], w2[l]));
            }
            TransformerWeights weights = new TransformerWeights(embedding, outNorm, output, blocks);
            return new LlamaTransformer(config, backend, weights, kvType, 64, arena::close);
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException(file, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static final class Cursor {
        final MemorySegment seg;
        final Backend backend;
        long offset = 28;

        Cursor(MemorySegment seg, Backend backend) {
            this.seg = seg;
            this.backend = backend;
        }

        WeightTensor next(String name, int rows, int cols) {
            long bytes = 4L * rows * cols;
            WeightTensor w = backend.weight(name, GgmlType.F32.id(), rows, cols, seg.asSlice(offset, bytes));
            offset += bytes;
            return w;
        }

        WeightTensor[] perLayer(String name, int layers, int rows, int cols) {
            WeightTensor[] out = new WeightTensor[layers];
            for (int l = 0; l < layers; l++) {
                out[l] = next("blk." + l + "." + name, rows, cols);
            }
            return out;
        }

        void skip(long bytes) {
            offset += bytes;
        }
    }
}
