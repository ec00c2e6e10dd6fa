package dev.jinn.engine;

import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufTensorInfo;

/** Reads a {@link ModelConfig} from GGUF metadata ({@code <arch>.embedding_length}, ...). */
public final class GgufModelConfig {
    private GgufModelConfig() {}

    /**
     * @throws ModelFileException if the architecture is not qwen2 or llama, or a key is missing or implausible
     */
    public static ModelConfig read(GgufFile file) {
        GgufMetadata md = file.metadata();
        if (!md.contains("general.architecture")) {
            throw new ModelFileException(file.path(), "no general.architecture key");
        }
        String arch = md.getString("general.architecture");
        if (!arch.equals("qwen2") && !arch.equals("llama")) {
            throw new ModelFileException(file.path(), "unsupported architecture '" + arch
                    + "' (supported: qwen2, llama)");
        }
        int hidden = require(file, md, arch + ".embedding_length");
        int layers = require(file, md, arch + ".block_count");
        int heads = require(file, md, arch + ".attention.head_count");
        int kvHeads = md.contains(arch + ".attention.head_count_kv")
                ? require(file, md, arch + ".attention.head_count_kv") : heads;
        int ffn = require(file, md, arch + ".feed_forward_length");
        int context = md.contains(arch + ".context_length") ? require(file, md, arch + ".context_length") : 4096;
        float theta = md.getFloat(arch + ".rope.freq_base", 10000f);
        float eps = md.getFloat(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
        if (heads % kvHeads != 0) {
            throw new ModelFileException(file.path(), arch + ".attention.head_count " + heads
                    + " is not a multiple of head_count_kv " + kvHeads);
        }
        int headDim = md.contains(arch + ".attention.key_length")
                ? require(file, md, arch + ".attention.key_length") : hidden / heads;
        if (headDim % 2 != 0 || headDim * heads != hidden && !md.contains(arch + ".attention.key_length")) {
            throw new ModelFileException(file.path(), "embedding_length " + hidden + " / head_count " + heads
                    + " does not give an even head dimension");
        }
        if (!(theta > 0) || !(eps > 0)) {
            throw new ModelFileException(file.path(), "bad rope.freq_base " + theta + " or rms epsilon " + eps);
        }
        GgufTensorInfo embd = file.tensor("token_embd.weight").orElseThrow(
                () -> new ModelFileException(file.path(), "missing tensor token_embd.weight"));
        if (embd.rank() != 2 || embd.dim(0) != hidden) {
            throw new ModelFileException(file.path(), "token_embd.weight has dims "
                    + java.util.Arrays.toString(embd.dims()) + ", expected [" + hidden + ", vocab]");
        }
        int vocab = Math.toIntExact(embd.dim(1));
        boolean tied = file.tensor("output.weight").isEmpty();
        return new ModelConfig(arch, hidden, layers, heads, kvHeads, headDim, ffn, vocab, context, theta,
                arch.equals("qwen2"), eps, tied);
    }

    private static int require(GgufFile file, GgufMetadata md, String key) {
        if (!md.contains(key)) {
            throw new ModelFileException(file.path(), "missing metadata key " + key);
        }
        long v = md.getLong(key);
        if (v <= 0 || v > 1 << 24) {
            throw new ModelFileException(file.path(), "metadata " + key + " = " + v + " is out of range");
        }
        return (int) v;
    }
}
