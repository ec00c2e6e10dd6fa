package dev.jinn.cli;

import dev.jinn.ModelFileException;
import dev.jinn.quant.GgmlType;
import dev.jinn.quant.Quantizer;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.quant.gguf.GgufValueType;
import dev.jinn.quant.hf.HfConfig;
import dev.jinn.quant.hf.HfTensorNames;
import dev.jinn.quant.safetensors.SafetensorsDType;
import dev.jinn.quant.safetensors.SafetensorsFile;
import dev.jinn.quant.safetensors.SafetensorsModel;
import dev.jinn.quant.safetensors.SafetensorsTensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jinn inspect FILE}: header, metadata and tensor table of a GGUF file, a {@code .safetensors} file or a
 * Hugging Face model folder; {@code --tensor NAME --dump-f32 OUT} writes one tensor decoded to little-endian float32
 * in ggml element order (row-major, fastest dimension first).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print the header, metadata and tensors of a GGUF file or safetensors model.")
final class InspectCommand implements Callable<Integer> {
    /** Elements decoded per chunk when dumping, so a multi-GB tensor needs only a few MB of heap. */
    private static final int DUMP_CHUNK = 1 << 20;

    @Parameters(index = "0", paramLabel = "FILE", description = "A .gguf file, a .safetensors file or a model folder.")
    Path file;

    @Option(names = "--tensor", paramLabel = "NAME", description = "Show only this tensor (and dump it with --dump-f32).")
    String tensor;

    @Option(names = "--dump-f32", paramLabel = "OUT",
            description = "Write the tensor named by --tensor, decoded to raw little-endian float32, to OUT.")
    Path dumpF32;

    @Option(names = "--array-preview", paramLabel = "N", defaultValue = "5",
            description = "Array elements shown per metadata value (default: ${DEFAULT-VALUE}).")
    int arrayPreview;

    @Option(names = "--no-tensors", description = "Skip the tensor table (header, metadata and totals only).")
    boolean noTensors;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (dumpF32 != null && tensor == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dump-f32 needs --tensor NAME");
        }
        if (arrayPreview < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--array-preview must be >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.exists(file)) {
            throw new ModelFileException(file, "no such file or folder");
        }
        if (Files.isDirectory(file)) {
            inspectFolder(out);
        } else if (isGguf(file)) {
            inspectGguf(out);
        } else {
            try (SafetensorsModel m = SafetensorsModel.open(file)) {
                inspectSafetensors(out, m, null);
            }
        }
        out.flush();
        return JinnCli.EXIT_OK;
    }

    private static boolean isGguf(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return Arrays.equals(magic, new byte[] {'G', 'G', 'U', 'F'});
        } catch (NoSuchFileException e) {
            throw new ModelFileException(p, "no such file", e);
        } catch (IOException e) {
            throw new ModelFileException(p, "cannot read: " + e.getMessage(), e);
        }
    }

    // ---- GGUF ----

    private void inspectGguf(PrintWriter out) {
        try (GgufFile g = GgufFile.open(file)) {
            if (tensor != null) {
                GgufTensorInfo t = g.requireTensor(tensor);
                printGgufTensorHeader(out);
                printGgufTensor(out, t, g.dataOffset());
                if (dumpF32 != null) {
                    dumpGguf(out, g, t);
                }
                return;
            }
            GgufMetadata m = g.metadata();
            out.printf("file:        %s%n", file);
            out.printf("format:      GGUF v%d, alignment %d%n", g.version(), g.alignment());
            out.printf("counts:      %d metadata keys, %d tensors%n", m.size(), g.tensors().size());
            out.printf("data offset: %d%n", g.dataOffset());
            out.printf("file size:   %d bytes (%s)%n", g.fileSize(), human(g.fileSize()));
            out.println();
            out.println("metadata:");
            int keyWidth = m.keys().stream().mapToInt(String::length).max().orElse(0);
            for (String k : m.keys()) {
                out.printf("  %-" + keyWidth + "s  %-16s %s%n", k, typeName(m, k), render(m, k));
            }
            if (!noTensors) {
                out.println();
                out.println("tensors:");
                printGgufTensorHeader(out);
                for (GgufTensorInfo t : g.tensors()) {
                    printGgufTensor(out, t, g.dataOffset());
                }
            }
            out.println();
            out.println("totals:");
            Map<GgmlType, long[]> totals = new TreeMap<>();
            for (GgufTensorInfo t : g.tensors()) {
                long[] s = totals.computeIfAbsent(t.type(), k -> new long[3]);
                s[0]++;
                s[1] += t.elementCount();
                s[2] += t.byteSize();
            }
            printTotals(out, totals.entrySet().stream().map(e -> new Object[] {e.getKey(), e.getValue()}).toList());
        }
    }

    private static void printGgufTensorHeader(PrintWriter out) {
        out.printf("  %-36s %-6s %-24s %14s %12s%n", "name", "type", "dims", "bytes", "file offset");
    }

    private static void printGgufTensor(PrintWriter out, GgufTensorInfo t, long dataOffset) {
        out.printf("  %-36s %-6s %-24s %14d %12d%n", t.name(), t.type(), Arrays.toString(t.dims()), t.byteSize(),
                dataOffset + t.offset());
    }

    private static String typeName(GgufMetadata m, String k) {
        GgufValueType t = m.typeOf(k);
        return t == GgufValueType.ARRAY ? "ARRAY[" + m.arrayElementType(k) + "]" : t.name();
    }

    private String render(GgufMetadata m, String k) {
        GgufValueType t = m.typeOf(k);
        if (t == GgufValueType.ARRAY) {
            List<?> list = (List<?>) m.get(k);
            StringBuilder sb = new StringBuilder("[");
            int shown = Math.min(arrayPreview, list.size());
            for (int i = 0; i < shown; i++) {
                sb.append(i == 0 ? "" : ", ").append(renderValue(list.get(i), m.arrayElementType(k)));
            }
            if (list.size() > shown) {
                sb.append(shown == 0 ? "" : ", ").append("...");
            }
            return sb.append("] (").append(list.size()).append(" elements)").toString();
        }
        return renderValue(m.get(k), t);
    }

    private static String renderValue(Object v, GgufValueType t) {
        if (v instanceof String s) {
            return quote(s);
        }
        if (v instanceof List<?> l) {
            return "[" + l.size() + " elements]";
        }
        if (t != null && t.isUnsigned()) {
            return switch (v) {
                case Byte b -> Integer.toString(b & 0xff);
                case Short s -> Integer.toString(s & 0xffff);
                case Integer i -> Integer.toUnsignedString(i);
                case Long l -> Long.toUnsignedString(l);
                default -> String.valueOf(v);
            };
        }
        return String.valueOf(v);
    }

    /** A string value in double quotes with control characters escaped, cut at 80 characters. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int limit = Math.min(s.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
        if (s.length() > limit) {
            sb.append("... (").append(s.length()).append(" chars)");
        }
        return sb.toString();
    }

    private void dumpGguf(PrintWriter out, GgufFile g, GgufTensorInfo t) {
        QuantCodecs.require(t.type()); // names the type and the supported ones when it cannot be decoded
        MemorySegment data = g.data(t);
        long total = t.elementCount();
        int block = t.type().blockElements();
        int chunk = DUMP_CHUNK / block * block;
        float[] buf = new float[chunk];
        try (FileChannel ch = openOut()) {
            ByteBuffer bytes = ByteBuffer.allocate(chunk * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (long first = 0; first < total; first += chunk) {
                int n = (int) Math.min(chunk, total - first);
                Quantizer.decodeElements(t.type(), data, first, buf, 0, n);
                writeFloats(ch, bytes, buf, n);
            }
        } catch (IOException e) {
            throw new ModelFileException(dumpF32, "cannot write: " + e.getMessage(), e);
        }
        out.printf("wrote %d float32 values (%d bytes) of %s to %s%n", total, total * 4, t.name(), dumpF32);
    }

    // ---- safetensors and HF folders ----

    private void inspectFolder(PrintWriter out) {
        HfConfig config = null;
        if (Files.isRegularFile(file.resolve("config.json"))) {
            config = HfConfig.read(file);
        }
        try (SafetensorsModel m = SafetensorsModel.open(file)) {
            inspectSafetensors(out, m, config);
        }
    }

    private void inspectSafetensors(PrintWriter out, SafetensorsModel m, HfConfig config) {
        if (tensor != null) {
            SafetensorsTensorInfo t = m.requireTensor(tensor);
            printSafetensorsHeader(out);
            printSafetensorsTensor(out, t);
            if (dumpF32 != null) {
                dumpSafetensors(out, m, t);
            }
            return;
        }
        out.printf("path:        %s%n", file);
        long size = 0;
        for (SafetensorsFile f : m.shards()) {
            size += f.fileSize();
        }
        out.printf("format:      safetensors, %d file%s, %d tensors, %d bytes (%s)%n", m.shards().size(),
                m.shards().size() == 1 ? "" : "s", m.tensors().size(), size, human(size));
        for (SafetensorsFile f : m.shards()) {
            out.printf("  %s: header %d bytes, data offset %d, %d tensors, file size %d%n", f.path().getFileName(),
                    f.dataOffset() - 8, f.dataOffset(), f.tensors().size(), f.fileSize());
            f.metadata().forEach((k, v) -> out.printf("    __metadata__.%s = %s%n", k, quote(v)));
        }
        if (config != null) {
            out.println();
            out.println("config.json:");
            out.printf("  architecture %s (GGUF %s), model_type %s, torch_dtype %s%n", config.architecture(),
                    config.ggufArchitecture(), config.modelType(), config.torchDtype());
            out.printf("  hidden %d, layers %d, heads %d, kv heads %d, head dim %d, ffn %d, vocab %d%n",
                    config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(),
                    config.numKeyValueHeads(), config.headDim(), config.intermediateSize(), config.vocabSize());
            out.printf("  context %d, rope_theta %s, rms_norm_eps %s, tied embeddings %s, bos %d, eos %s%n",
                    config.maxPositionEmbeddings(), config.ropeTheta(), config.rmsNormEps(),
                    config.tieWordEmbeddings(), config.bosTokenId(), config.eosTokenIds());
        }
        if (!noTensors) {
            out.println();
            out.println("tensors:");
            printSafetensorsHeader(out);
            for (SafetensorsTensorInfo t : m.tensors()) {
                printSafetensorsTensor(out, t);
            }
        }
        out.println();
        out.println("totals:");
        Map<SafetensorsDType, long[]> totals = new TreeMap<>();
        for (SafetensorsTensorInfo t : m.tensors()) {
            long[] s = totals.computeIfAbsent(t.dtype(), k -> new long[3]);
            s[0]++;
            s[1] += t.elementCount();
            s[2] += t.byteSize();
        }
        printTotals(out, totals.entrySet().stream().map(e -> new Object[] {e.getKey(), e.getValue()}).toList());
    }

    private static void printSafetensorsHeader(PrintWriter out) {
        out.printf("  %-52s %-5s %-20s %14s  %s%n", "name", "dtype", "shape", "bytes", "gguf name");
    }

    private static void printSafetensorsTensor(PrintWriter out, SafetensorsTensorInfo t) {
        out.printf("  %-52s %-5s %-20s %14d  %s%n", t.name(), t.dtype(), Arrays.toString(t.shape()), t.byteSize(),
                HfTensorNames.toGguf(t.name()).orElse(HfTensorNames.isIgnored(t.name()) ? "(ignored)" : "-"));
    }

    private void dumpSafetensors(PrintWriter out, SafetensorsModel m, SafetensorsTensorInfo t) {
        long total = t.elementCount();
        float[] buf = new float[DUMP_CHUNK];
        try (FileChannel ch = openOut()) {
            ByteBuffer bytes = ByteBuffer.allocate(DUMP_CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (long first = 0; first < total; first += DUMP_CHUNK) {
                int n = (int) Math.min(DUMP_CHUNK, total - first);
                m.readFloats(t, first, buf, 0, n);
                writeFloats(ch, bytes, buf, n);
            }
        } catch (IOException e) {
            throw new ModelFileException(dumpF32, "cannot write: " + e.getMessage(), e);
        }
        out.printf("wrote %d float32 values (%d bytes) of %s to %s%n", total, total * 4, t.name(), dumpF32);
    }

    // ---- shared ----

    private FileChannel openOut() throws IOException {
        return FileChannel.open(dumpF32, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
    }

    private static void writeFloats(FileChannel ch, ByteBuffer bytes, float[] values, int n) throws IOException {
        bytes.clear();
        bytes.asFloatBuffer().put(values, 0, n);
        bytes.limit(n * 4);
        while (bytes.hasRemaining()) {
            ch.write(bytes);
        }
    }

    private static void printTotals(PrintWriter out, List<Object[]> rows) {
        out.printf("  %-6s %8s %16s %16s%n", "type", "tensors", "elements", "bytes");
        long n = 0;
        long e = 0;
        long b = 0;
        for (Object[] r : rows) {
            long[] s = (long[]) r[1];
            out.printf("  %-6s %8d %16d %16d%n", r[0], s[0], s[1], s[2]);
            n += s[0];
            e += s[1];
            b += s[2];
        }
        out.printf("  %-6s %8d %16d %16d (%s)%n", "all", n, e, b, human(b));
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.2f %s", v, units[u]);
    }
}
