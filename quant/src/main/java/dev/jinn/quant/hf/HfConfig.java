package dev.jinn.quant.hf;

import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.quant.json.Json;
import dev.jinn.quant.json.JsonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hyperparameters of a Hugging Face Qwen2ForCausalLM or LlamaForCausalLM model, read from its
 * {@code config.json}.
 *
 * @param architecture          the first entry of {@code architectures}, e.g. {@code Qwen2ForCausalLM}
 * @param modelType             {@code model_type} ("qwen2", "llama"), or the empty string when absent
 * @param hiddenSize            {@code hidden_size}
 * @param numHiddenLayers       {@code num_hidden_layers}
 * @param numAttentionHeads     {@code num_attention_heads}
 * @param numKeyValueHeads      {@code num_key_value_heads} (defaults to the attention heads)
 * @param headDim               {@code head_dim}, or hidden_size / num_attention_heads
 * @param intermediateSize      {@code intermediate_size}
 * @param vocabSize             {@code vocab_size}
 * @param maxPositionEmbeddings {@code max_position_embeddings}
 * @param ropeTheta             {@code rope_theta} (default 10000)
 * @param rmsNormEps            {@code rms_norm_eps} (default 1e-6)
 * @param tieWordEmbeddings     {@code tie_word_embeddings} (default false)
 * @param attentionBias         Q/K/V projections have biases: always for Qwen2, {@code attention_bias} for Llama
 * @param torchDtype            {@code torch_dtype} ("bfloat16", "float16", "float32"), or "float32" when absent
 * @param bosTokenId            {@code bos_token_id}, or -1 when absent or null
 * @param eosTokenIds           {@code eos_token_id}: one id, a list of ids (Llama 3), or empty
 */
public record HfConfig(String architecture, String modelType, int hiddenSize, int numHiddenLayers,
        int numAttentionHeads, int numKeyValueHeads, int headDim, int intermediateSize, int vocabSize,
        int maxPositionEmbeddings, double ropeTheta, double rmsNormEps, boolean tieWordEmbeddings,
        boolean attentionBias, String torchDtype, int bosTokenId, List<Integer> eosTokenIds) {

    public static final String QWEN2 = "Qwen2ForCausalLM";
    public static final String LLAMA = "LlamaForCausalLM";

    public HfConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(torchDtype, "torchDtype");
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * Reads {@code config.json}, or the {@code config.json} inside a model folder.
     *
     * @throws ModelFileException naming the file and the field for a missing file, malformed JSON, an unsupported
     *                            architecture, or a missing, mistyped or inconsistent value
     */
    public static HfConfig read(Path configOrFolder) {
        Path file = Files.isDirectory(configOrFolder) ? configOrFolder.resolve("config.json") : configOrFolder;
        String text;
        try {
            if (Files.size(file) > 16 << 20) {
                throw new ModelFileException(file, "larger than 16 MiB; not a config.json");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file, "no such file", e);
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read: " + e.getMessage(), e);
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (JsonException e) {
            throw new ModelFileException(file, "not a JSON object: " + e.getMessage(), e);
        }
        return fromJson(json, file);
    }

    /** Builds the config from parsed {@code config.json}; {@code file} is named in errors (may be null). */
    public static HfConfig fromJson(Map<String, Object> json, Path file) {
        Fields f = new Fields(json, file);
        if (!(json.get("architectures") instanceof List<?> archs) || archs.isEmpty()
                || !(archs.get(0) instanceof String arch)) {
            throw new ModelFileException(file, "field 'architectures' must be a non-empty array of strings, found "
                    + Json.typeName(json.get("architectures")));
        }
        if (!arch.equals(QWEN2) && !arch.equals(LLAMA)) {
            throw new ModelFileException(file, "architecture '" + arch + "' is not supported (supported: " + QWEN2
                    + ", " + LLAMA + ")");
        }
        int hidden = f.positiveInt("hidden_size", null);
        int layers = f.positiveInt("num_hidden_layers", null);
        int heads = f.positiveInt("num_attention_heads", null);
        int kvHeads = f.positiveInt("num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw new ModelFileException(file, "num_attention_heads " + heads + " is not a multiple of "
                    + "num_key_value_heads " + kvHeads);
        }
        if (!json.containsKey("head_dim") && hidden % heads != 0) {
            throw new ModelFileException(file, "hidden_size " + hidden + " is not a multiple of num_attention_heads "
                    + heads);
        }
        int headDim = f.positiveInt("head_dim", hidden / heads);
        int ffn = f.positiveInt("intermediate_size", null);
        int vocab = f.positiveInt("vocab_size", null);
        int ctx = f.positiveInt("max_position_embeddings", null);
        double theta = f.positiveNumber("rope_theta", 10000.0);
        double eps = f.positiveNumber("rms_norm_eps", 1e-6);
        boolean tie = f.bool("tie_word_embeddings", false);
        boolean bias = arch.equals(QWEN2) || f.bool("attention_bias", false);
        String dtype = f.string("torch_dtype", "float32");
        int bos = f.tokenId("bos_token_id");
        List<Integer> eos = f.tokenIds("eos_token_id");
        return new HfConfig(arch, f.string("model_type", ""), hidden, layers, heads, kvHeads, headDim, ffn, vocab, ctx,
                theta, eps, tie, bias, dtype, bos, eos);
    }

    /** The {@code general.architecture} llama.cpp uses for this model: "qwen2" or "llama". */
    public String ggufArchitecture() {
        return architecture.equals(QWEN2) ? "qwen2" : "llama";
    }

    /**
     * Puts the architecture keys of this config into a GGUF being written ({@code general.architecture},
     * {@code <arch>.context_length}, {@code .embedding_length}, {@code .block_count}, {@code .feed_forward_length},
     * {@code .attention.head_count}, {@code .attention.head_count_kv}, {@code .rope.freq_base},
     * {@code .attention.layer_norm_rms_epsilon}), typed as llama.cpp writes them.
     */
    public void putGgufMetadata(GgufWriter w) {
        String a = ggufArchitecture();
        w.putString("general.architecture", a);
        w.putUInt32(a + ".context_length", maxPositionEmbeddings);
        w.putUInt32(a + ".embedding_length", hiddenSize);
        w.putUInt32(a + ".block_count", numHiddenLayers);
        w.putUInt32(a + ".feed_forward_length", intermediateSize);
        w.putUInt32(a + ".attention.head_count", numAttentionHeads);
        w.putUInt32(a + ".attention.head_count_kv", numKeyValueHeads);
        w.putFloat32(a + ".rope.freq_base", (float) ropeTheta);
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", (float) rmsNormEps);
        if (headDim * numAttentionHeads != hiddenSize) {
            w.putUInt32(a + ".attention.key_length", headDim);
            w.putUInt32(a + ".attention.value_length", headDim);
        }
    }

    /** Typed access to config.json fields with messages naming the file and the field. */
    private record Fields(Map<String, Object> json, Path file) {
        int positiveInt(String key, Integer dflt) {
            Object v = json.get(key);
            if (v == null) {
                if (dflt == null) {
                    throw new ModelFileException(file, "field '" + key + "' is missing");
                }
                return dflt;
            }
            if (!(v instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) {
                throw new ModelFileException(file, "field '" + key + "' must be a positive integer, found "
                        + describe(v));
            }
            return (int) (long) l;
        }

        double positiveNumber(String key, double dflt) {
            Object v = json.get(key);
            if (v == null) {
                return dflt;
            }
            double d = switch (v) {
                case Long l -> l;
                case Double x -> x;
                default -> Double.NaN;
            };
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new ModelFileException(file, "field '" + key + "' must be a positive number, found "
                        + describe(v));
            }
            return d;
        }

        boolean bool(String key, boolean dflt) {
            Object v = json.get(key);
            if (v == null) {
                return dflt;
            }
            if (!(v instanceof Boolean b)) {
                throw new ModelFileException(file, "field '" + key + "' must be true or false, found " + describe(v));
            }
            return b;
        }

        String string(String key, String dflt) {
            Object v = json.get(key);
            if (v == null) {
                return dflt;
            }
            if (!(v instanceof String s)) {
                throw new ModelFileException(file, "field '" + key + "' must be a string, found " + describe(v));
            }
            return s;
        }

        int tokenId(String key) {
            Object v = json.get(key);
            if (v == null) {
                return -1;
            }
            return id(key, v);
        }

        List<Integer> tokenIds(String key) {
            Object v = json.get(key);
            if (v == null) {
                return List.of();
            }
            if (v instanceof List<?> list) {
                List<Integer> out = new ArrayList<>();
                for (Object o : list) {
                    out.add(id(key, o));
                }
                return out;
            }
            return List.of(id(key, v));
        }

        private int id(String key, Object v) {
            if (!(v instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                throw new ModelFileException(file, "field '" + key + "' must be a token id (a non-negative "
                        + "integer) or a list of them, found " + describe(v));
            }
            return (int) (long) l;
        }

        private static String describe(Object v) {
            return Json.typeName(v) + (v instanceof Map || v instanceof List ? "" : " " + v);
        }
    }
}
