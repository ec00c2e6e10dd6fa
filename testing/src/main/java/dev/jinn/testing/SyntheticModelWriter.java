package dev.jinn.testing;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.TransformerTensors;
import dev.jinn.quant.convert.HfTokenizerData;
import dev.jinn.quant.convert.Progress;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.quant.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Writes Qwen2- or Llama-shaped GGUF files with seeded random weights, at any shape and in any {@link Quantization},
 * carrying the real DeepSeek-R1-Distill-Qwen tokenizer (whole, or cut down to a small vocabulary the way the golden
 * model's was). Benchmarks and large tests use these files instead of downloaded weights.
 *
 * <p>Weights: norms 1 + 0.05·N(0,1); biases 0.02·N(0,1); the embedding σ 0.5; the attention and FFN input
 * matrices σ = 1/√hidden, ffn_down σ = 1/√ffn, attn_output σ = 1/√hidden, so each residual update is O(1); the
 * output matrix σ = 4/√hidden, which gives logits of about σ 4 like the golden model's. Quantized blocks are written
 * directly by {@link RandomBlocks}; memory stays bounded (one 8 MiB buffer) whatever the shape.
 *
 * <p>Output is the same bytes for the same shape, quantization and seed.
 */
public final class SyntheticModelWriter {
    private static final long CHUNK = 8L << 20;
    private static final String TOKENIZER = "r1-tokenizer/";

    private SyntheticModelWriter() {}

    /**
     * Writes a model.
     *
     * @param out      the file to create (replaced if it exists)
     * @param shape    the shape
     * @param quant    the quantization (a mix such as Q4_K_M assigns types per tensor as llama.cpp does)
     * @param seed     random seed
     * @param progress called as data is written; may be null
     * @return the tensors written, as the file's tensor infos
     */
    public static List<GgufTensorInfo> write(Path out, SyntheticShape shape, Quantization quant, long seed, Progress progress) {
        Objects.requireNonNull(out, "out");
        HfTokenizerData tok = bundledTokenizer(shape.vocab());
        List<Spec> specs = tensorSpecs(shape, quant);
        long total = 0;
        List<GgufTensorInfo> infos = new ArrayList<>();
        try (GgufWriter w = GgufWriter.create(out)) {
            writeMetadata(w, shape, quant, tok);
            for (Spec s : specs) {
                GgufTensorInfo info = w.addTensor(s.name, s.type, s.dims);
                infos.add(info);
                total += info.byteSize();
            }
            long done = 0;
            SplittableRandom root = new SplittableRandom(seed);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(CHUNK, 64);
                for (Spec s : specs) {
                    // Each tensor has its own stream, so a tensor's values do not depend on the ones before it.
                    SplittableRandom r = root.split();
                    RandomBlocks blocks = new RandomBlocks(s.type, s.std, r);
                    long rowBytes = s.type.rowBytes(s.dims[0]);
                    long rows = 1;
                    for (int i = 1; i < s.dims.length; i++) {
                        rows *= s.dims[i];
                    }
                    long blocksPerRow = rowBytes / s.type.blockBytes();
                    long rowsPerChunk = Math.max(1, CHUNK / rowBytes);
                    if (s.mean != 0) {
                        writeConstantPlusNoise(w.beginTensor(s.name), s, buf, r);
                        done += rowBytes * rows;
                        report(progress, done, total);
                        continue;
                    }
                    WritableByteChannel ch = w.beginTensor(s.name);
                    for (long row = 0; row < rows; row += rowsPerChunk) {
                        long n = Math.min(rowsPerChunk, rows - row);
                        if (n * rowBytes > CHUNK) { // a single row larger than the buffer: write it in pieces
                            writeLongRow(ch, blocks, buf, s.type, blocksPerRow);
                            done += rowBytes;
                            report(progress, done, total);
                            continue;
                        }
                        blocks.fill(buf, 0, n * blocksPerRow);
                        ch.write(buf.asSlice(0, n * rowBytes).asByteBuffer());
                        done += n * rowBytes;
                        report(progress, done, total);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + out + ": " + e.getMessage(), e);
        }
        return List.copyOf(infos);
    }

    private static void writeLongRow(WritableByteChannel ch, RandomBlocks blocks, MemorySegment buf, GgmlType type,
                                     long blocksPerRow) throws IOException {
        long perChunk = CHUNK / type.blockBytes();
        for (long b = 0; b < blocksPerRow; b += perChunk) {
            long n = Math.min(perChunk, blocksPerRow - b);
            blocks.fill(buf, 0, n);
            ch.write(buf.asSlice(0, n * type.blockBytes()).asByteBuffer());
        }
    }

    /** Norm weights: F32 values near {@code mean}. */
    private static void writeConstantPlusNoise(WritableByteChannel ch, Spec s, MemorySegment buf, SplittableRandom r)
            throws IOException {
        long n = s.dims[0];
        MemorySegment row = buf.asSlice(0, 4 * n);
        for (long i = 0; i < n; i++) {
            row.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (s.mean + r.nextGaussian() * s.std));
        }
        ch.write(row.asByteBuffer());
    }

    private static void report(Progress p, long done, long total) {
        if (p != null) {
            p.update(done, total);
        }
    }

    private record Spec(String name, GgmlType type, long[] dims, double std, double mean) {}

    /** The tensors of a shape in llama.cpp's order, with their types under {@code quant} and their spreads. */
    static List<Spec> tensorSpecs(SyntheticShape sh, Quantization quant) {
        List<Spec> l = new ArrayList<>();
        double inStd = 1 / Math.sqrt(sh.hidden());
        for (TransformerTensors.Entry e : TransformerTensors.of(sh.architecture(), sh.hidden(), sh.layers(), sh.heads(),
                sh.kvHeads(), sh.ffn(), sh.vocab(), sh.tied())) {
            String n = e.name();
            double std;
            double mean = 0;
            if (n.endsWith("norm.weight")) {
                std = 0.05;
                mean = 1;
            } else if (n.endsWith(".bias")) {
                std = 0.02;
            } else if (n.equals("token_embd.weight")) {
                std = 0.5;
            } else if (n.equals("output.weight")) {
                std = 4 * inStd;
            } else if (n.endsWith("ffn_down.weight")) {
                std = 1 / Math.sqrt(sh.ffn());
            } else {
                std = inStd;
            }
            GgmlType t = mean != 0 ? GgmlType.F32 : quant.typeFor(n, e.dims(), sh.layers(), !sh.tied());
            l.add(new Spec(n, t, e.dims(), std, mean));
        }
        return l;
    }

    private static void writeMetadata(GgufWriter w, SyntheticShape sh, Quantization quant, HfTokenizerData tok) {
        String a = sh.architecture();
        w.putString("general.architecture", a);
        w.putString("general.name", "jinn-synthetic-" + sh.name() + "-" + quant.name().toLowerCase(java.util.Locale.ROOT));
        w.putUInt32("general.file_type", quant.fileType());
        w.putUInt32("general.quantization_version", 2);
        w.putUInt32(a + ".context_length", sh.contextLength());
        w.putUInt32(a + ".embedding_length", sh.hidden());
        w.putUInt32(a + ".block_count", sh.layers());
        w.putUInt32(a + ".feed_forward_length", sh.ffn());
        w.putUInt32(a + ".attention.head_count", sh.heads());
        w.putUInt32(a + ".attention.head_count_kv", sh.kvHeads());
        w.putFloat32(a + ".rope.freq_base", sh.ropeTheta());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
        if (a.equals("llama")) {
            w.putUInt32(a + ".rope.dimension_count", sh.headDim());
            w.putUInt32(a + ".vocab_size", sh.vocab());
        }
        tok.writeTo(w);
    }

    /**
     * The bundled DeepSeek-R1-Distill-Qwen tokenizer for a vocabulary of {@code vocab} rows: padded with
     * {@code [PADn]} when larger than the tokenizer, cut down like the golden model's when smaller.
     */
    public static HfTokenizerData bundledTokenizer(int vocab) {
        Map<String, Object> tok = Json.parseObject(resource("tokenizer.json.gz", true));
        Map<String, Object> cfg = Json.parseObject(resource("tokenizer_config.json", false));
        String template = resource("chat_template.jinja", false);
        Path name = Path.of("bundled:" + TOKENIZER + "tokenizer.json");
        HfTokenizerData full = HfTokenizerData.parse(name, tok, cfg, Map.of(), template, 0);
        return vocab >= full.tokens().size() ? HfTokenizerData.parse(name, tok, cfg, Map.of(), template, vocab)
                : full.truncated(vocab);
    }

    private static String resource(String name, boolean gzip) {
        try (InputStream in = SyntheticModelWriter.class.getResourceAsStream(TOKENIZER + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + TOKENIZER + name + " in jinn-testing");
            }
            byte[] b = gzip ? new GZIPInputStream(in, 1 << 16).readAllBytes() : in.readAllBytes();
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
