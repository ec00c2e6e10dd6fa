package dev.jinn.quant.safetensors;

import dev.jinn.ModelFileException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@code .safetensors} file: declare every tensor ({@link #addTensor}) and metadata string, then write the
 * data one tensor at a time in declared order ({@link #writeTensor}), then {@link #close()}. Memory stays bounded
 * by the largest single write. For tests, synthetic Hugging Face folders and converters; {@link #writeIndex} writes
 * the {@code model.safetensors.index.json} of a sharded folder.
 *
 * <p>The header is padded with spaces to a multiple of 8 bytes, as the reference writer does. Not thread-safe.
 * If {@link #close()} finds tensors not written it deletes the file and throws {@link IllegalStateException}.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private record Declared(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {}

    private final Path path;
    private final FileChannel channel;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Declared> tensors = new ArrayList<>();
    private final Map<String, Declared> byName = new LinkedHashMap<>();
    private long nextOffset;
    private int next; // index of the next tensor to write
    private boolean headerWritten;
    private boolean closed;

    private SafetensorsWriter(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    public static SafetensorsWriter create(Path path) {
        try {
            return new SafetensorsWriter(path, FileChannel.open(path, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot create: " + e.getMessage(), e);
        }
    }

    /** Adds a {@code __metadata__} string (e.g. {@code "format" -> "pt"}). */
    public SafetensorsWriter putMetadata(String key, String value) {
        checkDeclaring();
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    /** Declares a tensor of PyTorch shape {@code shape} (row-major, slowest first). */
    public SafetensorsWriter addTensor(String name, SafetensorsDType dtype, long... shape) {
        checkDeclaring();
        if (name.isEmpty() || name.equals("__metadata__") || byName.containsKey(name)) {
            throw new IllegalArgumentException("bad or duplicate tensor name '" + name + "'");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        long size = Math.multiplyExact(n, (long) dtype.byteSize());
        Declared d = new Declared(name, dtype, shape.clone(), nextOffset, nextOffset + size);
        nextOffset = d.end;
        tensors.add(d);
        byName.put(name, d);
        return this;
    }

    /** Writes the raw bytes of the next declared tensor, {@code name}; the size must match exactly. */
    public void writeTensor(String name, MemorySegment bytes) {
        Declared d = begin(name);
        if (bytes.byteSize() != d.end - d.begin) {
            throw new IllegalArgumentException(name + " takes " + (d.end - d.begin) + " bytes, got "
                    + bytes.byteSize());
        }
        long chunk = 1 << 26;
        for (long off = 0; off < bytes.byteSize(); off += chunk) {
            write(byteBuffer(bytes.asSlice(off, Math.min(chunk, bytes.byteSize() - off))));
        }
        next++;
    }

    /**
     * Writes the next declared tensor from float values, encoded to its dtype: F32 exactly, F16 and BF16 rounded
     * to nearest even. Other dtypes are refused.
     */
    public void writeTensor(String name, float[] values) {
        Declared d = begin(name);
        long n = (d.end - d.begin) / d.dtype.byteSize();
        if (values.length != n) {
            throw new IllegalArgumentException(name + " has " + n + " elements, got " + values.length);
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(d.end - d.begin)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (d.dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                case BF16 -> b.putShort(toBf16(v));
                default -> throw new IllegalArgumentException(name + ": cannot encode floats as " + d.dtype);
            }
        }
        write(b.flip());
        next++;
    }

    /** float32 to bfloat16, rounding to nearest even; NaN stays a (quiet) NaN. */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /**
     * Writes {@code model.safetensors.index.json} into {@code folder}.
     *
     * @param weightMap tensor name → shard file name
     */
    public static void writeIndex(Path folder, Map<String, String> weightMap, long totalSize) {
        StringBuilder sb = new StringBuilder("{\n  \"metadata\": {\"total_size\": ").append(totalSize)
                .append("},\n  \"weight_map\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            sb.append(first ? "\n    " : ",\n    ");
            quote(sb, e.getKey()).append(": ");
            quote(sb, e.getValue());
            first = false;
        }
        sb.append("\n  }\n}\n");
        Path index = folder.resolve(SafetensorsModel.INDEX_FILE);
        try {
            Files.writeString(index, sb);
        } catch (IOException e) {
            throw new ModelFileException(index, "cannot write: " + e.getMessage(), e);
        }
    }

    /** Writes the header if nothing was written, checks every tensor was written, closes. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!headerWritten) {
                writeHeader();
            }
            if (next < tensors.size()) {
                channel.close();
                Files.deleteIfExists(path);
                throw new IllegalStateException(path + ": incomplete safetensors file deleted: tensor '"
                        + tensors.get(next).name + "' and " + (tensors.size() - next - 1) + " more were not written");
            }
            channel.close();
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot write: " + e.getMessage(), e);
        }
    }

    private Declared begin(String name) {
        if (closed) {
            throw new IllegalStateException("safetensors writer for " + path + " is closed");
        }
        if (!headerWritten) {
            writeHeader();
        }
        if (next >= tensors.size() || !tensors.get(next).name.equals(name)) {
            throw new IllegalStateException("tensors must be written in declared order: expected "
                    + (next < tensors.size() ? "'" + tensors.get(next).name + "'" : "no more") + ", got '" + name + "'");
        }
        return tensors.get(next);
    }

    private void writeHeader() {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (!metadata.isEmpty()) {
            sb.append("\"__metadata__\":{");
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                quote(sb, e.getKey()).append(':');
                quote(sb, e.getValue());
                first = false;
            }
            sb.append('}');
            first = false;
        }
        for (Declared d : tensors) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            quote(sb, d.name).append(":{\"dtype\":\"").append(d.dtype).append("\",\"shape\":[");
            for (int i = 0; i < d.shape.length; i++) {
                sb.append(i == 0 ? "" : ",").append(d.shape[i]);
            }
            sb.append("],\"data_offsets\":[").append(d.begin).append(',').append(d.end).append("]}");
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.hasRemaining()) {
            b.put((byte) ' ');
        }
        headerWritten = true;
        write(b.flip());
    }

    private void write(ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot write: " + e.getMessage(), e);
        }
    }

    private void checkDeclaring() {
        if (closed || headerWritten) {
            throw new IllegalStateException("declare metadata and tensors before writing data");
        }
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
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
        return sb.append('"');
    }

    /** A view of a native or byte[]-backed segment; a copy of one backed by another array type. */
    private static ByteBuffer byteBuffer(MemorySegment s) {
        if (s.heapBase().map(b -> b instanceof byte[]).orElse(true)) {
            return s.asByteBuffer();
        }
        return ByteBuffer.wrap(s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }
}
