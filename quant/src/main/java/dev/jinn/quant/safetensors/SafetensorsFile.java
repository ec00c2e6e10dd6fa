package dev.jinn.quant.safetensors;

import dev.jinn.ModelFileException;
import dev.jinn.quant.internal.PageCacheAdvice;
import dev.jinn.quant.json.Json;
import dev.jinn.quant.json.JsonException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code .safetensors} file, memory-mapped read-only: an 8-byte little-endian header length N, N bytes of JSON
 * header, then the raw data. {@link #open} checks the whole header against the file before anything else (length
 * against the file size, dtype names, shapes against byte ranges, ranges inside the data section and not
 * overlapping) and throws {@link SafetensorsFormatException} naming the file and the field at fault.
 *
 * <p>Lifetime and threads as for {@link dev.jinn.quant.gguf.GgufFile}: this object owns a shared arena; slices from
 * {@link #data} own nothing and die with it; {@link #close()} is idempotent and later use throws
 * {@link IllegalStateException} naming the file. Safe for concurrent readers.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final long dataOffset;
    private final Map<String, String> metadata;
    private final List<SafetensorsTensorInfo> tensors;
    private final Map<String, SafetensorsTensorInfo> byName;
    private volatile boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, long dataOffset,
            Map<String, String> metadata, List<SafetensorsTensorInfo> tensors) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensors = tensors;
        Map<String, SafetensorsTensorInfo> m = new LinkedHashMap<>();
        tensors.forEach(t -> m.put(t.name(), t));
        this.byName = Collections.unmodifiableMap(m);
    }

    /**
     * Maps and checks a safetensors file.
     *
     * @throws SafetensorsFormatException if the file is malformed
     * @throws ModelFileException         if it cannot be opened
     */
    public static SafetensorsFile open(Path path) {
        Objects.requireNonNull(path, "path");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            PageCacheAdvice.adviseHugePages(seg);
            return parse(seg, path, arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFileException(path, "no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses safetensors bytes already in memory (tests); {@code arena} may be null. */
    static SafetensorsFile parse(MemorySegment seg, Path path, Arena arena) {
        long size = seg.byteSize();
        if (size < 8) {
            throw error(path, "file is " + size + " bytes, too short for the 8-byte header length");
        }
        long n = seg.get(U64, 0);
        if (n < 0 || n > size - 8) {
            throw error(path, "header length " + Long.toUnsignedString(n) + " at byte 0 runs past the end of the"
                    + " file (" + size + " bytes)");
        }
        if (n > MAX_HEADER_BYTES) {
            throw error(path, "header length " + n + " at byte 0 exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        }
        if (n < 2) {
            throw error(path, "header length " + n + " at byte 0 is too short for a JSON object");
        }
        byte[] headerBytes = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(path, "header (bytes 8.." + (8 + n) + ") is not valid UTF-8");
        }
        Map<String, Object> header;
        try {
            header = Json.parseObject(text);
        } catch (JsonException e) {
            throw new SafetensorsFormatException(path, "header (bytes 8.." + (8 + n) + ") is not a JSON object: "
                    + e.getMessage(), e);
        }
        long dataOffset = 8 + n;
        long dataBytes = size - dataOffset;
        Map<String, String> metadata = Map.of();
        List<SafetensorsTensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                metadata = metadata(path, e.getValue());
                continue;
            }
            tensors.add(tensorInfo(path, name, e.getValue(), dataBytes));
        }
        List<SafetensorsTensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(SafetensorsTensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            SafetensorsTensorInfo a = sorted.get(i - 1);
            SafetensorsTensorInfo b = sorted.get(i);
            if (b.byteSize() > 0 && a.end() > b.begin()) {
                throw error(path, "tensor '" + b.name() + "' data_offsets [" + b.begin() + ", " + b.end()
                        + "] overlap tensor '" + a.name() + "' [" + a.begin() + ", " + a.end() + "]");
            }
        }
        return new SafetensorsFile(path, arena, seg, dataOffset, metadata, List.copyOf(tensors));
    }

    private static Map<String, String> metadata(Path path, Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw error(path, "header field '__metadata__' must be an object of strings, found " + Json.typeName(v));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw error(path, "header field '__metadata__." + e.getKey() + "' must be a string, found "
                        + Json.typeName(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static SafetensorsTensorInfo tensorInfo(Path path, String name, Object v, long dataBytes) {
        String field = "tensor '" + name + "'";
        if (name.isEmpty()) {
            throw error(path, "empty tensor name in the header");
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw error(path, field + " must be an object, found " + Json.typeName(v));
        }
        if (!(m.get("dtype") instanceof String dtypeName)) {
            throw error(path, field + " dtype must be a string, found " + Json.typeName(m.get("dtype")));
        }
        SafetensorsDType dtype = SafetensorsDType.byName(dtypeName).orElseThrow(() -> error(path, field
                + " has unknown dtype \"" + dtypeName + "\""));
        if (!(m.get("shape") instanceof List<?> shapeList)) {
            throw error(path, field + " shape must be an array, found " + Json.typeName(m.get("shape")));
        }
        if (shapeList.size() > 8) {
            throw error(path, field + " shape has " + shapeList.size() + " dimensions, at most 8 supported");
        }
        long[] shape = new long[shapeList.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                throw error(path, field + " shape[" + i + "] must be a non-negative integer, found "
                        + shapeList.get(i));
            }
            shape[i] = d;
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException ex) {
                throw error(path, field + " shape " + shapeList + " overflows a 64-bit element count");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end)) {
            throw error(path, field + " data_offsets must be an array of two integers, found " + m.get("data_offsets"));
        }
        if (begin < 0 || end < begin || end > dataBytes) {
            throw error(path, field + " data_offsets [" + begin + ", " + end + "] are not a range inside the "
                    + dataBytes + "-byte data section");
        }
        long expected;
        try {
            expected = Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException ex) {
            throw error(path, field + " shape " + shapeList + " overflows a 64-bit byte count");
        }
        if (end - begin != expected) {
            throw error(path, field + " data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but " + dtype + " " + shapeList + " needs " + expected);
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static SafetensorsFormatException error(Path path, String message) {
        return new SafetensorsFormatException(path, message);
    }

    public Path path() {
        return path;
    }

    /** Absolute file offset of the data section: 8 + header length. */
    public long dataOffset() {
        check();
        return dataOffset;
    }

    public long fileSize() {
        check();
        return mapping.byteSize();
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        check();
        return metadata;
    }

    /** The tensors in header order. */
    public List<SafetensorsTensorInfo> tensors() {
        check();
        return tensors;
    }

    public Optional<SafetensorsTensorInfo> tensor(String name) {
        check();
        return Optional.ofNullable(byName.get(name));
    }

    /** The tensor called {@code name}; throws {@link SafetensorsFormatException} naming it and the file if absent. */
    public SafetensorsTensorInfo requireTensor(String name) {
        check();
        SafetensorsTensorInfo t = byName.get(name);
        if (t == null) {
            throw error(path, "tensor '" + name + "' is missing (the file has " + tensors.size() + " tensors)");
        }
        return t;
    }

    /** The tensor's raw bytes: a zero-copy read-only slice of the mapping, valid until this file is closed. */
    public MemorySegment data(SafetensorsTensorInfo t) {
        check();
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException(path + ": " + t + " is not a tensor of this file");
        }
        return mapping.asSlice(dataOffset + t.begin(), t.byteSize()).asReadOnly();
    }

    /**
     * Decodes {@code count} elements starting at element {@code first} (row-major) to float32.
     *
     * @throws SafetensorsFormatException if the dtype is not F32, F16 or BF16
     * @throws IndexOutOfBoundsException  if the element or destination range is out of bounds
     */
    public void readFloats(SafetensorsTensorInfo t, long first, float[] dst, int dstOffset, int count) {
        MemorySegment src = data(t);
        decodeFloats(path, t, src, first, dst, dstOffset, count);
    }

    /** The whole tensor decoded to float32 (row-major); refuses tensors of more than 2^31 - 9 elements. */
    public float[] readFloats(SafetensorsTensorInfo t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' has " + n
                    + " elements, too many for one float[]; read it in ranges");
        }
        float[] out = new float[(int) n];
        readFloats(t, 0, out, 0, (int) n);
        return out;
    }

    /** Decodes F32/F16/BF16 elements of {@code t} held in {@code src} (the tensor's bytes). */
    static void decodeFloats(Path path, SafetensorsTensorInfo t, MemorySegment src, long first, float[] dst,
            int dstOffset, int count) {
        SafetensorsDType dt = t.dtype();
        if (!dt.isDecodable()) {
            throw new SafetensorsFormatException(path, "tensor '" + t.name() + "' has dtype " + dt
                    + ", which Jinn cannot decode (supported: F32, F16, BF16)");
        }
        java.util.Objects.checkFromIndexSize(first, count, t.elementCount());
        java.util.Objects.checkFromIndexSize(dstOffset, count, dst.length);
        long at = first * dt.byteSize();
        switch (dt) {
            case F32 -> MemorySegment.copy(src, F32, at, dst, dstOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = Float.float16ToFloat(src.get(U16, at + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = Float.intBitsToFloat((src.get(U16, at + 2L * i) & 0xffff) << 16);
                }
            }
            default -> throw new AssertionError(dt);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (arena != null) {
            arena.close();
        }
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("safetensors file " + path + " is closed");
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + (closed ? ", closed]" : ", " + tensors.size() + " tensors]");
    }
}
