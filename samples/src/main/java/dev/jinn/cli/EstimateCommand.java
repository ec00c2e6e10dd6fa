package dev.jinn.cli;

import dev.jinn.KvCacheType;
import dev.jinn.MemoryPlan;
import dev.jinn.engine.MemoryPlanner;
import dev.jinn.engine.ModelConfig;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.hf.HfConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jinn estimate}: memory for a model × quantization × context, before loading anything. */
@Command(name = "estimate", mixinStandardHelpOptions = true,
        description = "How much memory a model needs: weights, KV cache and scratch, per quantization and context length.",
        footer = {"", "Examples:",
                "  jinn estimate --config ~/hf/DeepSeek-R1-Distill-Qwen-14B/config.json --quant Q4_K_M,Q8_0,BF16",
                "  jinn estimate --model r1-14b-q4_k_m.gguf --ctx 4096,16384 --kv-type q8_0 --json"})
final class EstimateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static final class Source {
        @Option(names = "--model", description = "A GGUF file (its own quantization, exact weights).")
        Path model;

        @Option(names = "--config", description = "A Hugging Face config.json (or its folder), with --quant.")
        Path config;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--quant", split = ",", description = "Quantizations to plan (default with --config: Q4_K_M,Q8_0,BF16).")
    List<String> quants = new ArrayList<>();

    @Option(names = "--ctx", split = ",", description = "Context lengths (default: 1024,8192,32768 and the model's own).")
    List<Integer> contexts = new ArrayList<>();

    @Option(names = "--kv-type", defaultValue = "f16", description = "KV cache type: f16, f32, q8_0 (default: ${DEFAULT-VALUE}).")
    String kvType;

    @Option(names = "--batch", defaultValue = "" + dev.jinn.engine.ModelLoader.PREFILL_BATCH,
            description = "Prefill batch size (default: ${DEFAULT-VALUE}, the loader's).")
    int batch;

    @Option(names = "--threads", description = "Backend threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        KvCacheType kv;
        try {
            kv = KvCacheType.valueOf(kvType.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --kv-type '" + kvType + "'; choose f16, f32 or q8_0");
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        List<MemoryPlanner.Model> models = new ArrayList<>();
        if (source.model != null) {
            MemoryPlanner.Model m = MemoryPlanner.of(source.model);
            if (quants.isEmpty()) {
                models.add(m);
            } else {
                for (String q : quants) {
                    models.add(MemoryPlanner.of(source.model.toString(), m.config(), quant(q)));
                }
            }
        } else {
            ModelConfig c = MemoryPlanner.configOf(HfConfig.read(source.config));
            for (String q : quants.isEmpty() ? List.of("Q4_K_M", "Q8_0", "BF16") : quants) {
                models.add(MemoryPlanner.of(source.config.toString(), c, quant(q)));
            }
        }
        List<Integer> ctxs = new ArrayList<>(contexts);
        if (ctxs.isEmpty()) {
            ctxs.addAll(List.of(1024, 8192, 32768));
            int own = models.get(0).config().contextLength();
            if (!ctxs.contains(own)) {
                ctxs.add(own);
            }
        }
        List<MemoryPlan> plans = new ArrayList<>();
        for (MemoryPlanner.Model m : models) {
            for (int c : ctxs) {
                plans.add(MemoryPlanner.plan(m, c, batch, kv, t));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(plans));
        } else {
            out.printf("%s  (KV cache %s, batch %d, %d threads)%n", models.get(0).name(), kv, batch, t);
            out.printf("%-8s %9s %12s %12s %12s %12s%n", "quant", "context", "weights", "KV cache", "scratch", "total");
            for (MemoryPlan p : plans) {
                out.printf("%-8s %9d %12s %12s %12s %12s%n", p.quantization(), p.contextLength(), Bytes.format(p.weightsBytes()),
                        Bytes.format(p.kvCacheBytes()), Bytes.format(p.scratchBytes()), Bytes.format(p.totalBytes()));
            }
        }
        return 0;
    }

    private static Quantization quant(String q) {
        return Quantization.byName(q).orElseThrow(() -> new IllegalArgumentException("unknown quantization '" + q
                + "'; choose from " + java.util.Arrays.toString(Quantization.values())));
    }

    static String toJson(List<MemoryPlan> plans) {
        StringBuilder b = new StringBuilder("[");
        for (MemoryPlan p : plans) {
            b.append(b.length() > 1 ? ",\n " : "").append(String.format(Locale.ROOT,
                    "{\"quant\": \"%s\", \"context\": %d, \"kv_type\": \"%s\", \"batch\": %d, \"weights_bytes\": %d,"
                            + " \"kv_bytes\": %d, \"scratch_bytes\": %d, \"total_bytes\": %d}",
                    p.quantization(), p.contextLength(), p.kvCacheType().name().toLowerCase(Locale.ROOT), p.batchSize(),
                    p.weightsBytes(), p.kvCacheBytes(), p.scratchBytes(), p.totalBytes()));
        }
        return b.append("]").toString();
    }
}
