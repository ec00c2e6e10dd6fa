package dev.jinn.quant.convert;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Converts a llama2.c checkpoint and its tokenizer to a GGUF file of the {@code llama} architecture with a
 * SentencePiece-style ({@code tokenizer.ggml.model = "llama"}) vocabulary — how Jinn's bundled demo model,
 * stories260K, is made.
 */
public final class Llama2cConverter {
    private Llama2cConverter() {}

    /**
     * @param checkpoint the llama2.c {@code .bin} model
     * @param tokenizer  the llama2.c {@code tokenizer.bin} with as many tokens as the model's vocabulary
     * @param out        the GGUF file to create
     * @param quant      the quantization (rows that do not fit a block type fall back as {@link Quantization} says)
     * @param name       {@code general.name}
     * @param license    {@code general.license}, or null
     */
    public static void convert(Path checkpoint, Path tokenizer, Path out, Quantization quant, String name, String license,
                               Progress progress) {
        Llama2cCheckpoint c = Llama2cCheckpoint.read(checkpoint);
        Llama2cCheckpoint.SpmTokenizerData tok = Llama2cCheckpoint.readTokenizer(tokenizer, c.vocab());
        long total = 0;
        try (GgufWriter w = GgufWriter.create(out)) {
            String a = "llama";
            w.putString("general.architecture", a);
            w.putString("general.name", name);
            if (license != null) {
                w.putString("general.license", license);
            }
            w.putUInt32("general.file_type", quant.fileType());
            w.putUInt32("general.quantization_version", 2);
            w.putUInt32(a + ".vocab_size", c.vocab());
            w.putUInt32(a + ".context_length", c.seqLen());
            w.putUInt32(a + ".embedding_length", c.dim());
            w.putUInt32(a + ".block_count", c.layers());
            w.putUInt32(a + ".feed_forward_length", c.hidden());
            w.putUInt32(a + ".attention.head_count", c.heads());
            w.putUInt32(a + ".attention.head_count_kv", c.kvHeads());
            w.putUInt32(a + ".rope.dimension_count", c.dim() / c.heads());
            w.putFloat32(a + ".rope.freq_base", 10000f);
            w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
            w.putString("tokenizer.ggml.model", "llama");
            w.putStringArray("tokenizer.ggml.tokens", tok.tokens());
            w.putFloat32Array("tokenizer.ggml.scores", tok.scores());
            w.putInt32Array("tokenizer.ggml.token_type", tok.types());
            w.putUInt32("tokenizer.ggml.bos_token_id", tok.bosId());
            w.putUInt32("tokenizer.ggml.eos_token_id", tok.eosId());
            w.putUInt32("tokenizer.ggml.unknown_token_id", tok.unkId());
            w.putBool("tokenizer.ggml.add_bos_token", tok.addBos());
            w.putBool("tokenizer.ggml.add_eos_token", false);

            Map<String, Llama2cCheckpoint.Tensor> tensors = c.tensors();
            Map<String, GgmlType> types = new java.util.LinkedHashMap<>();
            for (var e : tensors.entrySet()) {
                GgmlType t = quant.typeFor(e.getKey(), e.getValue().dims(), c.layers(), !c.shared());
                types.put(e.getKey(), t);
                total += w.addTensor(e.getKey(), t, e.getValue().dims()).byteSize();
            }
            long done = 0;
            for (var e : tensors.entrySet()) {
                float[] v = e.getValue().values();
                QuantCodec codec = QuantCodecs.require(types.get(e.getKey()));
                long bytes = codec.byteSize(v.length);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment seg = arena.allocate(bytes);
                    codec.encode(v, 0, seg, 0, v.length);
                    w.writeTensor(e.getKey(), seg);
                }
                done += bytes;
                progress.update(done, total);
            }
        }
    }

    /** The default file name for a conversion: {@code stories260K.gguf}, {@code stories260K-q8_0.gguf}. */
    public static String defaultName(String base, Quantization q) {
        return q == Quantization.F32 ? base + ".gguf" : base + "-" + q.name().toLowerCase(Locale.ROOT) + ".gguf";
    }
}
