package dev.jinn.engine;

import dev.jinn.KvCacheType;
import dev.jinn.MemoryPlan;
import dev.jinn.quant.GgmlType;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.TransformerTensors;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.quant.hf.HfConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Plans memory before loading: weights exactly (from a GGUF file's tensor table, or tensor by tensor for a model
 * described by its hyperparameters and a target {@link Quantization}, with llama.cpp's type for each tensor), the KV
 * cache exactly ({@code 2 × layers × kvHeads × headDim × context × bytes per value}), and the scratch the engine
 * allocates per session and per thread.
 *
 * <p>Scratch, in float32 values: per session, the activations of one prefill batch
 * ({@code batch × (4·hidden + 2·kvDim + 2·ffn)}) and two logits rows; per thread of the backend, the attention
 * working set ({@code 2·context·headDim + context}). Besides, the CPU backend's prepared copies of a batch's mat-mul
 * inputs (int8, two int16 layouts, packed floats and packed int16 pairs for Q4_K: 11 bytes a value, for the widest
 * input, ffn, and a hidden-wide one at once): {@code 11 × batch × (ffn + hidden)} bytes.
 */
public final class MemoryPlanner {
    private MemoryPlanner() {}

    /** The hyperparameters the planner needs and the weights per type. */
    public record Model(String name, String quantization, ModelConfig config, long weightsBytes, Map<String, Long> byType) {}

    /** Reads a GGUF file's tensor table (exact weights) and hyperparameters. */
    public static Model of(Path gguf) {
        try (GgufFile f = GgufFile.open(gguf)) {
            return of(f, GgufModelConfig.read(f));
        }
    }

    /** An open GGUF file's tensor table, with its config as read by {@link GgufModelConfig}. */
    public static Model of(GgufFile f, ModelConfig c) {
        Map<String, Long> byType = new TreeMap<>();
        long total = 0;
        for (GgufTensorInfo t : f.tensors()) {
            byType.merge(t.type().name(), t.byteSize(), Long::sum);
            total += t.byteSize();
        }
        int ft = f.metadata().getInt("general.file_type", -1);
        String q = Quantization.byFileType(ft).map(Enum::name).orElse(ft < 0 ? "unknown" : "file_type " + ft);
        return new Model(f.path().toString(), q, c, total, byType);
    }

    /** Plans a model that is not converted yet: the tensor list of its architecture, typed as llama.cpp would. */
    public static Model of(String name, ModelConfig c, Quantization quant) {
        Map<String, Long> byType = new TreeMap<>();
        long total = 0;
        for (TransformerTensors.Entry e : TransformerTensors.of(c.architecture(), c.hidden(), c.layers(), c.heads(),
                c.kvHeads(), c.ffn(), c.vocabSize(), c.tiedEmbeddings())) {
            GgmlType t = quant.typeFor(e.name(), e.dims(), c.layers(), !c.tiedEmbeddings());
            long bytes = t.rowBytes(e.dims()[0]) * (e.elements() / e.dims()[0]);
            byType.merge(t.name(), bytes, Long::sum);
            total += bytes;
        }
        return new Model(name, quant.name(), c, total, byType);
    }

    /** The hyperparameters of a Hugging Face config.json, as the converted GGUF would carry them. */
    public static ModelConfig configOf(HfConfig h) {
        String arch = h.ggufArchitecture();
        return new ModelConfig(arch, h.hiddenSize(), h.numHiddenLayers(), h.numAttentionHeads(), h.numKeyValueHeads(),
                h.headDim(), h.intermediateSize(), h.vocabSize(), h.maxPositionEmbeddings(), (float) h.ropeTheta(),
                arch.equals("qwen2"), (float) h.rmsNormEps(), h.tieWordEmbeddings());
    }

    /**
     * @param threads backend threads (each holds an attention working set)
     */
    public static MemoryPlan plan(Model m, int contextLength, int batchSize, KvCacheType kv, int threads) {
        if (contextLength <= 0 || batchSize <= 0 || threads <= 0) {
            throw new IllegalArgumentException("context length, batch size and threads must be positive: "
                    + contextLength + ", " + batchSize + ", " + threads);
        }
        return new MemoryPlan(m.name(), m.quantization(), contextLength, batchSize, kv, m.weightsBytes(),
                kvCacheBytes(m.config(), contextLength, kv), scratchBytes(m.config(), contextLength, batchSize, threads),
                m.byType());
    }

    /** Bytes of one sequence's KV cache. */
    public static long kvCacheBytes(ModelConfig c, int contextLength, KvCacheType kv) {
        long values = 2L * c.layers() * c.kvHeads() * c.headDim() * contextLength;
        return switch (kv) {
            case F32 -> values * 4;
            case F16 -> values * 2;
            case Q8_0 -> values / 32 * 34;
        };
    }

    /** Scratch bytes: per-session activations and logits, per-thread attention buffers, prepared mat-mul inputs. */
    public static long scratchBytes(ModelConfig c, int contextLength, int batchSize, int threads) {
        long kvDim = (long) c.kvHeads() * c.headDim();
        long session = (long) batchSize * (4L * c.hidden() + 2 * kvDim + 2L * c.ffn()) + 2L * c.vocabSize();
        long perThread = 2L * contextLength * c.headDim() + contextLength;
        long prepared = 11L * batchSize * (c.ffn() + c.hidden());
        return 4 * (session + threads * perThread) + prepared;
    }
}
