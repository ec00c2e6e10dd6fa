package dev.jinn.engine.session;

import dev.jinn.MemoryPlan;

import dev.jinn.BackendUnavailableException;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.ModelFileException;
import dev.jinn.ModelInfo;
import dev.jinn.ModelOptions;
import dev.jinn.Sampler;
import dev.jinn.engine.LoadOptions;
import dev.jinn.engine.LoadedModel;
import dev.jinn.engine.MemoryPlanner;
import dev.jinn.engine.ModelConfig;
import dev.jinn.engine.ModelLoader;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.spi.ModelFactory;
import dev.jinn.tokenizer.ChatTemplate;
import dev.jinn.tokenizer.Tokenizer;
import dev.jinn.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.LoggerFactory;

/**
 * Loads GGUF files as {@link EngineModel}s (through the engine's {@link ModelLoader}), with the tokenizer and chat
 * template from the file's metadata. Safetensors folders are recognised and refused with the conversion command.
 */
public final class GgufModelFactory implements ModelFactory {
    /** Sessions default to at most this many positions: a 14B model's full 128k context would need ~25 GB of cache. */
    public static final int DEFAULT_MAX_CONTEXT = dev.jinn.engine.ModelLoader.DEFAULT_CONTEXT;

    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public boolean canLoad(Path path) {
        String n = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isDirectory(path) || n.endsWith(".safetensors") || n.endsWith(".gguf")) {
            return true;
        }
        try (InputStream in = Files.newInputStream(path)) {
            return new String(in.readNBytes(4), StandardCharsets.US_ASCII).equals("GGUF");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Model load(Path path, ModelOptions options) {
        String n = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isDirectory(path) || n.endsWith(".safetensors")) {
            throw new ModelFileException(path, "safetensors models are not loaded directly yet: convert it first "
                    + "with `jinn convert " + path + " model.gguf`, then load the .gguf file");
        }
        LoadOptions lo = LoadOptions.builder()
                .backend("auto".equals(options.backend()) ? null : options.backend())
                .threads(options.threads())
                .contextLength(options.contextLength())
                .kvCacheType(options.kvCacheType())
                .mapWeights(options.mapWeights())
                .build();
        LoadedModel loaded = ModelLoader.load(path, lo);
        try {
            GgufFile file = loaded.file();
            GgufMetadata md = file.metadata();
            Tokenizer tok = Tokenizers.fromGguf(md);
            String template = md.getString("tokenizer.chat_template", "");
            PromptFormat format;
            if (template.isEmpty()) {
                format = (messages, gen) -> {
                    throw new JinnException(path.getFileName() + " has no chat template "
                            + "(tokenizer.chat_template): use raw prompts (Prompt.raw, `jinn generate --raw`)");
                };
            } else {
                PromptFormat known;
                try {
                    known = ChatTemplate.fromJinja(template)::render;
                } catch (JinnException e) {
                    // raw prompts still work; chat turns report why they cannot be rendered
                    LoggerFactory.getLogger(GgufModelFactory.class).warn("{}: {}", path, e.getMessage());
                    known = (messages, gen) -> {
                        throw new JinnException(path.getFileName() + ": " + e.getMessage()
                                + "; use raw prompts (Prompt.raw, `jinn generate --raw`)", e);
                    };
                }
                format = known;
            }
            ModelConfig cfg = loaded.config();
            int trained = md.getInt(cfg.architecture() + ".context_length", cfg.contextLength());
            int ctx = options.contextLength() > 0 ? options.contextLength() : Math.min(trained, DEFAULT_MAX_CONTEXT);
            long params = 0;
            TreeSet<String> codecs = new TreeSet<>();
            for (GgufTensorInfo t : file.tensors()) {
                params += t.elementCount();
                codecs.add(t.type().name());
            }
            MemoryPlan plan = MemoryPlanner.plan(MemoryPlanner.of(file, cfg), ctx, loaded.plan().batchSize(),
                    options.kvCacheType(), Math.max(1, options.threads() > 0 ? options.threads()
                            : Runtime.getRuntime().availableProcessors()));
            if (options.memoryLimitBytes() > 0 && plan.totalBytes() > options.memoryLimitBytes()) {
                throw new BackendUnavailableException(String.format(java.util.Locale.ROOT,
                        "%s needs %d MiB (weights %d MiB, KV cache %d MiB for %d positions, scratch %d MiB) but"
                                + " ModelOptions.memoryLimitBytes is %d MiB: use a smaller context or quantization",
                        path, plan.totalBytes() >> 20, plan.weightsBytes() >> 20, plan.kvCacheBytes() >> 20, ctx,
                        plan.scratchBytes() >> 20, options.memoryLimitBytes() >> 20));
            }
            Map<String, Integer> special = specialTokens(md, tok);
            String name = md.getString("general.name", n);
            boolean r1 = template.contains("</think>") || name.contains("DeepSeek-R1");
            ModelInfo info = new ModelInfo(name, cfg.architecture(), params, cfg.layers(), cfg.hidden(), cfg.heads(),
                    cfg.kvHeads(), tok.vocabularySize(), trained, ctx, codecs, template, special,
                    tok.bosId() >= 0 ? tok.tokenPiece(tok.bosId()) : "", tok.eosId() >= 0 ? tok.tokenPiece(tok.eosId()) : "",
                    loaded.backendName(), identity(file, cfg), r1 ? Sampler.deepSeekR1Distill() : Sampler.llamaCppDefaults());
            return new EngineModel(info, loaded.transformer(), tok, format, loaded);
        } catch (RuntimeException | Error e) {
            loaded.close();
            throw e;
        }
    }

    /** Control (type 3) and user-defined (type 4) tokens, such as BOS/EOS, {@code <think>}, {@code <｜User｜>}. */
    static Map<String, Integer> specialTokens(GgufMetadata md, Tokenizer tok) {
        Map<String, Integer> special = new HashMap<>();
        int[] types = md.contains("tokenizer.ggml.token_type") ? md.getIntArray("tokenizer.ggml.token_type") : null;
        for (int id = 0; id < tok.vocabularySize(); id++) {
            boolean added = types != null && id < types.length && (types[id] == 3 || types[id] == 4);
            if (added || tok.isControl(id)) {
                special.putIfAbsent(tok.tokenPiece(id), id);
            }
        }
        return special;
    }

    /**
     * A fingerprint of the model: architecture, hyperparameters, the tensor table and the first bytes of every
     * tensor (so two fine-tunes of one architecture differ), without reading the whole file.
     */
    static String identity(GgufFile file, ModelConfig cfg) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(cfg.toString().getBytes(StandardCharsets.UTF_8));
            for (GgufTensorInfo t : file.tensors()) {
                sha.update((t.name() + java.util.Arrays.toString(t.dims()) + t.type()).getBytes(StandardCharsets.UTF_8));
                MemorySegment data = file.data(t);
                long n = Math.min(256, data.byteSize());
                sha.update(data.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
