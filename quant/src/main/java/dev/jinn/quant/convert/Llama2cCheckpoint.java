package dev.jinn.quant.convert;

import dev.jinn.ModelFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama2.c legacy checkpoint ({@code stories260K.bin}) and its {@code tokenizer.bin}, read into memory (they are
 * small) and presented as GGUF-named F32 tensors for the converter.
 *
 * <p>Layout: 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative
 * vocab_size means an unshared classifier follows), then float32 arrays: token_embedding [vocab, dim], rms_att
 * [L, dim], wq [L, dim, dim], wk [L, kv_dim, dim], wv [L, kv_dim, dim], wo [L, dim, dim], rms_ffn [L, dim],
 * w1 [L, hidden, dim], w2 [L, dim, hidden], w3 [L, hidden, dim], rms_final [dim], two unused RoPE tables
 * [seq_len, head_size/2] each, then wcls [vocab, dim] when not shared. Matrices are row-major [out, in], which is
 * GGUF's [in, out] with no reordering; llama2.c uses interleaved RoPE pairs, llama.cpp's "normal" RoPE for the
 * llama architecture, so no Q/K permutation is needed.
 *
 * @param dim        embedding length
 * @param hidden     FFN length
 * @param layers     block count
 * @param heads      attention heads
 * @param kvHeads    key/value heads
 * @param vocab      vocabulary size
 * @param seqLen     context length
 * @param shared     output matrix is the embedding
 * @param tensors    GGUF name → (GGUF dims innermost first, values)
 */
public record Llama2cCheckpoint(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen,
                                boolean shared, Map<String, Tensor> tensors) {

    /** One F32 tensor: GGUF dims (innermost first) and its values in GGUF element order. */
    public record Tensor(long[] dims, float[] values) {}

    /** Reads a checkpoint; every size is checked against the file length first. */
    public static Llama2cCheckpoint read(Path path) {
        ByteBuffer buf = readAll(path, 1L << 31);
        if (buf.remaining() < 28) {
            throw new ModelFileException(path, "file of " + buf.remaining() + " bytes is too short for the 28-byte llama2.c header");
        }
        int dim = buf.getInt(), hidden = buf.getInt(), layers = buf.getInt(), heads = buf.getInt(),
                kvHeads = buf.getInt(), vocabRaw = buf.getInt(), seqLen = buf.getInt();
        boolean shared = vocabRaw > 0;
        int vocab = Math.abs(vocabRaw);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                || dim % heads != 0 || heads % kvHeads != 0 || dim > 1 << 16 || hidden > 1 << 18 || layers > 1024
                || vocab > 1 << 20 || seqLen > 1 << 24) {
            throw new ModelFileException(path, "implausible llama2.c header: dim " + dim + ", hidden_dim " + hidden
                    + ", n_layers " + layers + ", n_heads " + heads + ", n_kv_heads " + kvHeads + ", vocab_size "
                    + vocabRaw + ", seq_len " + seqLen + " (at byte 0)");
        }
        int headSize = dim / heads;
        int kvDim = headSize * kvHeads;
        long floats = (long) vocab * dim + 2L * layers * dim + (long) layers * dim * dim * 2 + 2L * layers * kvDim * dim
                + 3L * layers * hidden * dim + dim + (long) seqLen * headSize + (shared ? 0 : (long) vocab * dim);
        if (buf.remaining() < floats * 4) {
            throw new ModelFileException(path, "truncated: the header's shape needs " + (28 + floats * 4)
                    + " bytes but the file has " + (28 + buf.remaining()));
        }
        var fb = buf.asFloatBuffer();
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("token_embd.weight", new Tensor(new long[] {dim, vocab}, take(fb, (long) vocab * dim)));
        float[] rmsAtt = take(fb, (long) layers * dim);
        float[][] wq = perLayer(fb, layers, dim * dim), wk = perLayer(fb, layers, kvDim * dim),
                wv = perLayer(fb, layers, kvDim * dim), wo = perLayer(fb, layers, dim * dim);
        float[] rmsFfn = take(fb, (long) layers * dim);
        float[][] w1 = perLayer(fb, layers, hidden * dim), w2 = perLayer(fb, layers, dim * hidden),
                w3 = perLayer(fb, layers, hidden * dim);
        float[] rmsFinal = take(fb, dim);
        fb.position(fb.position() + seqLen * headSize); // freq_cis_real and freq_cis_imag, unused
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            t.put(p + "attn_norm.weight", new Tensor(new long[] {dim}, java.util.Arrays.copyOfRange(rmsAtt, l * dim, (l + 1) * dim)));
            t.put(p + "attn_q.weight", new Tensor(new long[] {dim, dim}, wq[l]));
            t.put(p + "attn_k.weight", new Tensor(new long[] {dim, kvDim}, wk[l]));
            t.put(p + "attn_v.weight", new Tensor(new long[] {dim, kvDim}, wv[l]));
            t.put(p + "attn_output.weight", new Tensor(new long[] {dim, dim}, wo[l]));
            t.put(p + "ffn_norm.weight", new Tensor(new long[] {dim}, java.util.Arrays.copyOfRange(rmsFfn, l * dim, (l + 1) * dim)));
            t.put(p + "ffn_gate.weight", new Tensor(new long[] {dim, hidden}, w1[l]));
            t.put(p + "ffn_down.weight", new Tensor(new long[] {hidden, dim}, w2[l]));
            t.put(p + "ffn_up.weight", new Tensor(new long[] {dim, hidden}, w3[l]));
        }
        t.put("output_norm.weight", new Tensor(new long[] {dim}, rmsFinal));
        if (!shared) {
            t.put("output.weight", new Tensor(new long[] {dim, vocab}, take(fb, (long) vocab * dim)));
        }
        return new Llama2cCheckpoint(dim, hidden, layers, heads, kvHeads, vocab, seqLen, shared, t);
    }

    /**
     * Reads a llama2.c {@code tokenizer.bin} (int32 max_token_length, then per token float32 score, int32 length,
     * bytes) as GGUF {@code llama} (SentencePiece-style) tokenizer data: the space that llama2.c's export put in place
     * of SentencePiece's "▁" goes back to "▁", ids 0/1/2 are {@code <unk>}, {@code <s>}, {@code </s>}, and
     * {@code <0xHH>} pieces are byte tokens.
     */
    public static SpmTokenizerData readTokenizer(Path path, int vocab) {
        ByteBuffer buf = readAll(path, 1L << 28);
        if (buf.remaining() < 4) {
            throw new ModelFileException(path, "too short for a llama2.c tokenizer header");
        }
        buf.getInt(); // max_token_length: not needed
        List<String> tokens = new ArrayList<>(vocab);
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            int at = buf.position();
            if (buf.remaining() < 8) {
                throw new ModelFileException(path, "truncated at token " + i + " (byte " + at + ")");
            }
            scores[i] = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > buf.remaining()) {
                throw new ModelFileException(path, "token " + i + " has length " + len + " at byte " + (at + 4)
                        + ", beyond the end of the file");
            }
            byte[] b = new byte[len];
            buf.get(b);
            String piece = new String(b, StandardCharsets.UTF_8);
            int type = 1;
            if (i == 0) {
                piece = "<unk>";
                type = 2;
            } else if (i == 1) {
                piece = "<s>";
                type = 3;
            } else if (i == 2) {
                piece = "</s>";
                type = 3;
            } else if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
                type = 6;
            } else {
                piece = piece.replace(' ', '\u2581');
            }
            tokens.add(piece);
            scores[i] = i < 3 ? 0f : scores[i];
            types[i] = type;
        }
        return new SpmTokenizerData(List.copyOf(tokens), scores, types, 1, 2, 0, true);
    }

    /**
     * SentencePiece-style tokenizer keys ({@code tokenizer.ggml.model = "llama"}).
     *
     * @param tokens pieces by id, "▁" for spaces
     * @param scores merge scores by id
     * @param types  token types by id (1 normal, 2 unknown, 3 control, 6 byte)
     */
    public record SpmTokenizerData(List<String> tokens, float[] scores, int[] types, int bosId, int eosId, int unkId,
                                   boolean addBos) {}

    private static float[][] perLayer(java.nio.FloatBuffer fb, int layers, int n) {
        float[][] r = new float[layers][];
        for (int l = 0; l < layers; l++) {
            r[l] = take(fb, n);
        }
        return r;
    }

    private static float[] take(java.nio.FloatBuffer fb, long n) {
        float[] a = new float[Math.toIntExact(n)];
        fb.get(a);
        return a;
    }

    private static ByteBuffer readAll(Path path, long limit) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > limit) {
                throw new ModelFileException(path, "file of " + size + " bytes is larger than a llama2.c file Jinn reads ("
                        + limit + ")");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // keep reading
            }
            return b.flip();
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot read: " + e.getMessage(), e);
        }
    }
}
