package dev.jinn.engine;

import dev.jinn.MemoryPlan;
import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.spi.Backend;
import dev.jinn.spi.BackendOptions;
import dev.jinn.spi.BackendProvider;
import dev.jinn.spi.WeightTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a Qwen2- or Llama-architecture GGUF file onto a backend. The file is memory-mapped and its tensors handed to
 * the backend as views: nothing is copied onto the heap.
 */
public final class ModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);
    /**
     * The context a session gets when nobody says otherwise, and the one memory is planned for: the model's own
     * (128k for R1-Distill) would need 24 GiB of KV cache at 14B.
     */
    public static final int DEFAULT_CONTEXT = 4096;

    /**
     * Tokens per prefill batch: the CPU backend decodes each weight row once per batch (its prefill kernels), so a
     * larger batch spreads that over more tokens; 256 against 64 made 1.5B Q4_K_M pp256 about 20% faster, for
     * 40-50 MB more scratch at 14B (see MemoryPlanner).
     */
    public static final int PREFILL_BATCH = 256;

    private ModelLoader() {}

    /**
     * @throws ModelFileException         if the file is missing, malformed, of another architecture, or a tensor is
     *                                    missing, mis-shaped or of a type the backend cannot run
     * @throws dev.jinn.JinnException      if no backend is available
     */
    public static LoadedModel load(Path ggufFile, LoadOptions options) {
        Objects.requireNonNull(ggufFile, "ggufFile");
        LoadOptions opts = options == null ? LoadOptions.defaults() : options;
        long t0 = System.nanoTime();
        GgufFile file = GgufFile.open(ggufFile);
        try {
            ModelConfig cfg = GgufModelConfig.read(file);
            if (opts.contextLength() > 0) {
                cfg = new ModelConfig(cfg.architecture(), cfg.hidden(), cfg.layers(), cfg.heads(), cfg.kvHeads(),
                        cfg.headDim(), cfg.ffn(), cfg.vocabSize(), opts.contextLength(), cfg.ropeTheta(),
                        cfg.ropeNeox(), cfg.rmsEps(), cfg.tiedEmbeddings());
            }
            int threads = opts.threads() > 0 ? opts.threads() : Runtime.getRuntime().availableProcessors();
            int planned = opts.contextLength() > 0 ? opts.contextLength() : Math.min(cfg.contextLength(), DEFAULT_CONTEXT);
            MemoryPlan plan = MemoryPlanner.plan(MemoryPlanner.of(file, cfg), planned, PREFILL_BATCH, opts.kvCacheType(),
                    threads);
            BackendProvider provider = Backends.select(opts.backend(), plan);
            if (!opts.mapWeights()) {
                // read only once the header is valid and a backend with memory for the plan is chosen: the read
                // takes seconds to minutes, the mapping above none
                GgufFile read = GgufFile.read(ggufFile);
                file.close();
                file = read;
            }
            Backend backend = provider.create(new BackendOptions(opts.threads()));
            try {
                TransformerWeights weights = weights(file, cfg, backend);
                LlamaTransformer t = new LlamaTransformer(cfg, backend, weights, opts.kvCacheType(), PREFILL_BATCH,
                        null);
                double secs = (System.nanoTime() - t0) / 1e9;
                LOG.debug("Loaded {} ({} layers, hidden {}) on {} in {} s", ggufFile, cfg.layers(), cfg.hidden(),
                        provider.name(), secs);
                return new LoadedModel(t, cfg, file, provider.name(), secs, plan);
            } catch (RuntimeException | Error e) {
                backend.close();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    static TransformerWeights weights(GgufFile file, ModelConfig c, Backend backend) {
        int qDim = c.heads() * c.headDim();
        int kvDim = c.kvHeads() * c.headDim();
        WeightTensor embd = weight(file, backend, "token_embd.weight", c.hidden(), c.vocabSize());
        WeightTensor outNorm = weight(file, backend, "output_norm.weight", c.hidden(), 1);
        WeightTensor output = c.tiedEmbeddings() ? embd
                : weight(file, backend, "output.weight", c.hidden(), c.vocabSize());
        List<TransformerWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers.add(new TransformerWeights.Layer(
                    weight(file, backend, p + "attn_norm.weight", c.hidden(), 1),
                    weight(file, backend, p + "attn_q.weight", c.hidden(), qDim),
                    optional(file, backend, p + "attn_q.bias", qDim),
                    weight(file, backend, p + "attn_k.weight", c.hidden(), kvDim),
                    optional(file, backend, p + "attn_k.bias", kvDim),
                    weight(file, backend, p + "attn_v.weight", c.hidden(), kvDim),
                    optional(file, backend, p + "attn_v.bias", kvDim),
                    weight(file, backend, p + "attn_output.weight", qDim, c.hidden()),
                    weight(file, backend, p + "ffn_norm.weight", c.hidden(), 1),
                    weight(file, backend, p + "ffn_gate.weight", c.hidden(), c.ffn()),
                    weight(file, backend, p + "ffn_up.weight", c.hidden(), c.ffn()),
                    weight(file, backend, p + "ffn_down.weight", c.ffn(), c.hidden())));
        }
        return new TransformerWeights(embd, outNorm, output, layers);
    }

    private static WeightTensor optional(GgufFile file, Backend backend, String name, int cols) {
        return file.tensor(name).isPresent() ? weight(file, backend, name, cols, 1) : null;
    }

    /** A tensor with GGUF dims [cols, rows] (rows = 1 for vectors, which may be stored as [cols]). */
    private static WeightTensor weight(GgufFile file, Backend backend, String name, int cols, int rows) {
        GgufTensorInfo info = file.tensor(name).orElseThrow(
                () -> new ModelFileException(file.path(), "missing tensor " + name));
        long[] dims = info.dims();
        long r = 1;
        for (int i = 1; i < dims.length; i++) {
            r *= dims[i];
        }
        if (dims[0] != cols || r != rows) {
            throw new ModelFileException(file.path(), "tensor " + name + " has dims " + Arrays.toString(dims)
                    + ", expected [" + cols + (rows == 1 ? "" : ", " + rows) + "]");
        }
        if (!backend.supports(info.type().id())) {
            throw new ModelFileException(file.path(), "tensor " + name + " is " + info.type() + ", which the "
                    + backend.name() + " backend cannot run");
        }
        return backend.weight(name, info.type().id(), rows, cols, file.data(info));
    }
}
