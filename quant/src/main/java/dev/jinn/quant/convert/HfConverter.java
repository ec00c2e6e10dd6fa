package dev.jinn.quant.convert;

import dev.jinn.ModelFileException;
import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.quant.Quantizer;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.quant.hf.HfConfig;
import dev.jinn.quant.hf.HfTensorNames;
import dev.jinn.quant.safetensors.SafetensorsModel;
import dev.jinn.quant.safetensors.SafetensorsTensorInfo;
import dev.jinn.spi.QuantCodec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a Hugging Face model folder (config.json, one or more safetensors files, tokenizer.json) into a GGUF
 * file that llama.cpp can load, streaming one tensor at a time with bounded memory, quantizing each tensor to the
 * type {@link Quantization#typeFor} gives it.
 *
 * <p>As llama.cpp's {@code convert_hf_to_gguf.py} does: HF tensor names become GGUF names, [out, in] matrices keep
 * their bytes as GGUF [in, out], and for the {@code llama} architecture the rows of q_proj and k_proj are permuted
 * from rotate-half to interleaved RoPE pairs (Qwen2 keeps rotate-half and is not permuted).
 */
public final class HfConverter {
    private static final long CHUNK_ELEMENTS = 1L << 21;

    private HfConverter() {}

    /**
     * @param folder   the Hugging Face model folder
     * @param out      the GGUF file to create
     * @param quant    the target quantization
     * @param name     {@code general.name}
     * @param progress told of bytes written
     * @throws ModelFileException for missing or malformed inputs, naming the file
     */
    public static void convert(Path folder, Path out, Quantization quant, String name, Progress progress) {
        HfConfig cfg = HfConfig.read(folder);
        try (SafetensorsModel model = SafetensorsModel.open(folder)) {
            List<Job> jobs = new ArrayList<>();
            boolean hasOutput = false;
            int vocab = 0;
            for (SafetensorsTensorInfo t : model.tensors()) {
                if (HfTensorNames.isIgnored(t.name())) {
                    continue; // rotary caches and other tensors llama.cpp skips
                }
                String g = HfTensorNames.requireGguf(t.name());
                hasOutput |= g.equals("output.weight");
                long[] dims = t.ggufDims();
                if (g.equals("token_embd.weight")) {
                    vocab = (int) dims[1];
                }
                jobs.add(new Job(t, g, dims));
            }
            if (cfg.tieWordEmbeddings()) {
                hasOutput = false;
                jobs.removeIf(j -> j.gguf.equals("output.weight"));
            }
            if (vocab == 0) {
                throw new ModelFileException(folder, "no model.embed_tokens.weight tensor in the safetensors files");
            }
            HfTokenizerData tok = HfTokenizerData.read(folder, vocab);
            if (tok.tokens().size() > vocab) {
                throw new ModelFileException(folder.resolve("tokenizer.json"), "has " + tok.tokens().size()
                        + " tokens but model.embed_tokens.weight has only " + vocab + " rows");
            }
            long total = 0;
            try (GgufWriter w = GgufWriter.create(out)) {
                cfg.putGgufMetadata(w);
                w.putString("general.name", name);
                w.putUInt32("general.file_type", quant.fileType());
                w.putUInt32("general.quantization_version", 2);
                tok.writeTo(w);
                for (Job j : jobs) {
                    j.type = quant.typeFor(j.gguf, j.dims, cfg.numHiddenLayers(), hasOutput);
                    total += w.addTensor(j.gguf, j.type, j.dims).byteSize();
                }
                long[] done = {0};
                for (Job j : jobs) {
                    writeTensor(w, model, j, cfg, done, total, progress);
                }
            }
        }
    }

    private static void writeTensor(GgufWriter w, SafetensorsModel model, Job j, HfConfig cfg, long[] done, long total,
                                    Progress progress) {
        long rowLen = j.dims[0];
        long rows = j.src.elementCount() / rowLen;
        QuantCodec codec = QuantCodecs.require(j.type);
        int headRows = 0;
        if (cfg.ggufArchitecture().equals("llama")) {
            if (j.gguf.endsWith("attn_q.weight")) {
                headRows = (int) (rows / cfg.numAttentionHeads());
            } else if (j.gguf.endsWith("attn_k.weight")) {
                headRows = (int) (rows / cfg.numKeyValueHeads());
            }
        }
        long rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / rowLen);
        int chunkRows = (int) Math.min(rows, rowsPerChunk);
        float[] f = new float[chunkRows * (int) rowLen];
        int threads = Runtime.getRuntime().availableProcessors();
        WritableByteChannel ch = w.beginTensor(j.gguf);
        try (Arena arena = Arena.ofShared()) { // shared: Quantizer.convert encodes on worker threads
            MemorySegment staged = arena.allocate(4L * f.length, 64);
            MemorySegment enc = arena.allocate(codec.byteSize((long) f.length));
            for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
                int n = (int) Math.min(rowsPerChunk, rows - r0);
                for (int i = 0; i < n; i++) {
                    long srcRow = headRows > 0 ? permutedRow(r0 + i, headRows) : r0 + i;
                    model.readFloats(j.src, srcRow * rowLen, f, i * (int) rowLen, (int) rowLen);
                }
                int elements = n * (int) rowLen;
                long bytes = codec.byteSize(elements);
                // The K-quant scale search is compute-bound: split the chunk's rows over all cores.
                MemorySegment.copy(f, 0, staged, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, elements);
                Quantizer.convert(GgmlType.F32, staged, j.type, enc, rowLen, n, threads);
                ch.write(enc.asSlice(0, bytes).asByteBuffer());
                done[0] += bytes;
                progress.update(done[0], total);
            }
        } catch (IOException e) {
            throw new ModelFileException(w.path(), "write failed: " + e.getMessage(), e);
        }
    }

    /**
     * llama.cpp's {@code permute} for llama Q/K: within each head of {@code hd} rows, output row 2·i + half comes from
     * input row half·hd/2 + i (rotate-half pairs become interleaved pairs).
     */
    static long permutedRow(long outRow, int hd) {
        long head = outRow / hd;
        int j = (int) (outRow % hd);
        int half = j & 1;
        int i = j >> 1;
        return head * hd + (long) half * (hd / 2) + i;
    }

    private static final class Job {
        final SafetensorsTensorInfo src;
        final String gguf;
        final long[] dims;
        GgmlType type;

        Job(SafetensorsTensorInfo src, String gguf, long[] dims) {
            this.src = src;
            this.gguf = gguf;
            this.dims = dims;
        }
    }
}
