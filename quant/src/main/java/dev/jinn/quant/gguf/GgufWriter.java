package dev.jinn.quant.gguf;

import dev.jinn.ModelFileException;
import dev.jinn.quant.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF v3 file in one streaming pass with bounded memory: first declare every metadata value
 * ({@code put...}) and every tensor ({@link #addTensor}), then write the tensors' bytes one at a time in declared
 * order ({@link #beginTensor}, {@link #writeTensor} or {@link #mapTensor}), then {@link #close()}. The header goes
 * out when the first tensor starts (or at close); tensor data passes through a 1 MiB buffer or a mapped window of
 * one tensor, so a 9 GB file needs no large heap.
 *
 * <pre>{@code
 * try (GgufWriter w = GgufWriter.create(path)) {
 *     w.putString("general.architecture", "qwen2");
 *     w.addTensor("token_embd.weight", GgmlType.F32, 512, 4118);
 *     try (WritableByteChannel ch = w.beginTensor("token_embd.weight")) { ch.write(bytes); }
 * }
 * }</pre>
 *
 * <p>Not thread-safe. Wrong use (a value after the first tensor, a tensor out of order, too many or too few bytes)
 * throws {@link IllegalStateException} or {@link IllegalArgumentException}; I/O errors throw
 * {@link ModelFileException}. If {@link #close()} finds tensors that were not written it deletes the incomplete
 * file and throws {@link IllegalStateException}.
 */
public final class GgufWriter implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;
    private static final byte[] ZEROS = new byte[4096];

    /** A metadata array value: {@code elements} hold boxed values of {@code elementType}, or nested {@code Array}s. */
    public record Array(GgufValueType elementType, List<?> elements) {
        public Array {
            Objects.requireNonNull(elementType, "elementType");
            elements = List.copyOf(elements);
        }
    }

    private record Entry(GgufValueType type, Object value) {}

    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final LinkedHashMap<String, Entry> kvs = new LinkedHashMap<>();
    private final List<GgufTensorInfo> tensors = new ArrayList<>();
    private final Map<String, GgufTensorInfo> tensorsByName = new HashMap<>();
    private int alignment = GgufReader.DEFAULT_ALIGNMENT;
    private long nextOffset; // data-section offset of the next declared tensor
    private long filePos;    // bytes handed to the buffer so far
    private long dataOffset = -1; // set when the header is written
    private int current = -1;     // index of the tensor being written
    private long currentWritten;
    private Arena windowArena; // owns the mapping handed out by mapTensor, until the next tensor or close
    private boolean closed;

    private GgufWriter(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Creates (or truncates) {@code path}. */
    public static GgufWriter create(Path path) {
        Objects.requireNonNull(path, "path");
        try {
            return new GgufWriter(path, FileChannel.open(path, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot create: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /**
     * Sets the alignment of the data section and of every tensor, and records it as {@code general.alignment}
     * (UINT32). Must come before the first {@link #addTensor}.
     */
    public GgufWriter setAlignment(int alignment) {
        return putUInt32(GgufReader.ALIGNMENT_KEY, alignment);
    }

    public int alignment() {
        return alignment;
    }

    public GgufWriter putUInt8(String key, int value) {
        return put(key, GgufValueType.UINT8, (byte) checkRange(key, value, 0, 0xff));
    }

    public GgufWriter putInt8(String key, byte value) {
        return put(key, GgufValueType.INT8, value);
    }

    public GgufWriter putUInt16(String key, int value) {
        return put(key, GgufValueType.UINT16, (short) checkRange(key, value, 0, 0xffff));
    }

    public GgufWriter putInt16(String key, short value) {
        return put(key, GgufValueType.INT16, value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, (int) checkRange(key, value, 0, 0xffff_ffffL));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    /** {@code value} is taken as unsigned (its raw 64 bits). */
    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, Objects.requireNonNull(value, key));
    }

    /** An array of strings; the list is not copied, only its element references. */
    public GgufWriter putStringArray(String key, List<String> values) {
        Object[] a = values.toArray();
        for (int i = 0; i < a.length; i++) {
            Objects.requireNonNull(a[i], () -> key + ": null string in array");
        }
        return put(key, GgufValueType.ARRAY, new GgufArray(GgufValueType.STRING, a));
    }

    /** An array of UINT8 or INT8 (raw bytes). */
    public GgufWriter putByteArray(String key, GgufValueType elementType, byte[] values) {
        return putPrimitiveArray(key, elementType, values.clone(), GgufValueType.UINT8, GgufValueType.INT8);
    }

    /** An array of UINT16 or INT16 (raw bits). */
    public GgufWriter putShortArray(String key, GgufValueType elementType, short[] values) {
        return putPrimitiveArray(key, elementType, values.clone(), GgufValueType.UINT16, GgufValueType.INT16);
    }

    /** An array of INT32. */
    public GgufWriter putInt32Array(String key, int[] values) {
        return putIntArray(key, GgufValueType.INT32, values);
    }

    /** An array of UINT32 or INT32 (raw bits). */
    public GgufWriter putIntArray(String key, GgufValueType elementType, int[] values) {
        return putPrimitiveArray(key, elementType, values.clone(), GgufValueType.UINT32, GgufValueType.INT32);
    }

    /** An array of UINT64 or INT64 (raw bits). */
    public GgufWriter putLongArray(String key, GgufValueType elementType, long[] values) {
        return putPrimitiveArray(key, elementType, values.clone(), GgufValueType.UINT64, GgufValueType.INT64);
    }

    public GgufWriter putFloat32Array(String key, float[] values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT32, values.clone()));
    }

    public GgufWriter putFloat64Array(String key, double[] values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT64, values.clone()));
    }

    public GgufWriter putBoolArray(String key, boolean[] values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(GgufValueType.BOOL, values.clone()));
    }

    /** Any array, nested arrays included: elements are boxed as {@link GgufMetadata#get} returns them. */
    public GgufWriter putArray(String key, Array array) {
        return put(key, GgufValueType.ARRAY, toGgufArray(key, array, 0));
    }

    /**
     * Any value, given as {@link GgufMetadata#get} returns it (an ARRAY as an {@link Array}, or as a List of
     * Strings).
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, () -> key + ": null value");
        Object v = switch (type) {
            case ARRAY -> switch (value) {
                case GgufArray a -> a;
                case Array a -> toGgufArray(key, a, 0);
                default -> throw new IllegalArgumentException(key + ": an ARRAY value must be a GgufWriter.Array");
            };
            default -> checkScalar(key, type, value);
        };
        checkOpenForDeclarations();
        checkKey(key);
        if (key.equals(GgufReader.ALIGNMENT_KEY)) {
            if (type != GgufValueType.UINT32) {
                throw new IllegalArgumentException(key + " must be UINT32, not " + type);
            }
            int a = (Integer) v;
            if (a <= 0 || Integer.bitCount(a) != 1 || a % 8 != 0) {
                throw new IllegalArgumentException("alignment " + Integer.toUnsignedString(a)
                        + " is not a power of two that is a multiple of 8");
            }
            if (!tensors.isEmpty() && a != alignment) {
                throw new IllegalStateException("set the alignment before declaring tensors");
            }
            alignment = a;
        }
        kvs.put(key, new Entry(type, v));
        return this;
    }

    /** Copies every key/value pair of {@code metadata} (replacing keys already put). */
    public GgufWriter putAll(GgufMetadata metadata) {
        for (Map.Entry<String, GgufMetadata.Entry> e : metadata.entries().entrySet()) {
            put(e.getKey(), e.getValue().type(), e.getValue().value());
        }
        return this;
    }

    /** Removes a key put earlier (for converters that copy metadata and drop a few keys). */
    public GgufWriter remove(String key) {
        checkOpenForDeclarations();
        if (kvs.remove(key) != null && key.equals(GgufReader.ALIGNMENT_KEY)) {
            if (!tensors.isEmpty() && alignment != GgufReader.DEFAULT_ALIGNMENT) {
                throw new IllegalStateException("set the alignment before declaring tensors");
            }
            alignment = GgufReader.DEFAULT_ALIGNMENT;
        }
        return this;
    }

    /**
     * Declares a tensor; its data offset follows the previous tensor's, aligned.
     *
     * @param dims fastest-varying first (a PyTorch [out, in] matrix is {@code in, out})
     * @return the info the file will hold
     */
    public GgufTensorInfo addTensor(String name, GgmlType type, long... dims) {
        checkOpenForDeclarations();
        Objects.requireNonNull(name, "name");
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > GgufReader.MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' must have 1 to "
                    + GgufReader.MAX_TENSOR_NAME_BYTES + " UTF-8 bytes");
        }
        if (tensorsByName.containsKey(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (dims.length < 1 || dims.length > GgufReader.MAX_DIMS) {
            throw new IllegalArgumentException(name + ": " + dims.length + " dimensions, expected 1 to 4");
        }
        long size;
        try {
            size = GgufTensorInfo.byteSizeOf(type, dims);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        long elements = 1;
        for (long d : dims) {
            elements = Math.multiplyExact(elements, d);
        }
        GgufTensorInfo t = new GgufTensorInfo(name, dims, type, nextOffset, size);
        nextOffset = align(Math.addExact(nextOffset, size));
        tensors.add(t);
        tensorsByName.put(name, t);
        return t;
    }

    /** The tensors declared so far, in order. */
    public List<GgufTensorInfo> tensors() {
        return List.copyOf(tensors);
    }

    /**
     * Starts the data of the next tensor, which must be {@code name}; writes the header first if needed. The
     * returned channel accepts exactly the tensor's byte size in total; closing it is optional (the next
     * {@code beginTensor} or {@link #close()} checks the count) and does not close this writer.
     */
    public WritableByteChannel beginTensor(String name) {
        checkNotClosed();
        if (dataOffset < 0) {
            writeHeader();
        }
        finishCurrent();
        int next = current + 1;
        if (next >= tensors.size()) {
            throw new IllegalStateException("tensor '" + name + "' was not declared, or its data was already written"
                    + " (" + tensors.size() + " tensors declared)");
        }
        GgufTensorInfo t = tensors.get(next);
        if (!t.name().equals(name)) {
            throw new IllegalStateException("tensor data must be written in declared order: expected '" + t.name()
                    + "', got '" + name + "'");
        }
        pad(dataOffset + t.offset() - filePos);
        current = next;
        currentWritten = 0;
        return new TensorChannel(next);
    }

    /**
     * Maps the bytes of the next tensor, {@code name}, in the file for writing, so a quantizer can encode straight
     * into it (for example {@code Quantizer.convert(..., window, ...)}). The window starts zero-filled, counts as the
     * whole tensor written, and stays valid until the next {@code beginTensor}/{@code mapTensor}/{@code writeTensor}
     * or {@link #close()}, which unmap it; using it later throws {@link IllegalStateException}.
     */
    public MemorySegment mapTensor(String name) {
        beginTensor(name);
        GgufTensorInfo t = tensors.get(current);
        flush();
        try {
            channel.position(filePos);
            MemorySegment window;
            if (t.byteSize() == 0) {
                window = MemorySegment.ofArray(new byte[0]);
            } else {
                windowArena = Arena.ofShared();
                window = channel.map(FileChannel.MapMode.READ_WRITE, filePos, t.byteSize(), windowArena);
            }
            filePos += t.byteSize();
            currentWritten = t.byteSize();
            channel.position(filePos);
            return window;
        } catch (IOException e) {
            throw ioError(e);
        }
    }

    /** Writes the whole data of the next tensor, {@code name}, from {@code data} (its size must match exactly). */
    public void writeTensor(String name, MemorySegment data) {
        WritableByteChannel ch = beginTensor(name);
        GgufTensorInfo t = tensors.get(current);
        if (data.byteSize() != t.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "' takes " + t.byteSize() + " bytes, got "
                    + data.byteSize());
        }
        long chunk = 1 << 26;
        try {
            for (long off = 0; off < data.byteSize(); off += chunk) {
                ch.write(byteBuffer(data.asSlice(off, Math.min(chunk, data.byteSize() - off))));
            }
        } catch (IOException e) {
            throw ioError(e);
        }
    }

    /** Writes the whole data of the next tensor from a byte array. */
    public void writeTensor(String name, byte[] data) {
        writeTensor(name, MemorySegment.ofArray(data));
    }

    /**
     * Finishes the file: writes the header if no tensor was written, checks that the last tensor is complete,
     * flushes and closes. Idempotent.
     *
     * @throws IllegalStateException if declared tensors were not written (the incomplete file is deleted)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (dataOffset < 0) {
                writeHeader();
            }
            String missing = null;
            if (current >= 0 && currentWritten != tensors.get(current).byteSize()) {
                missing = "tensor '" + tensors.get(current).name() + "' has " + currentWritten + " of its "
                        + tensors.get(current).byteSize() + " bytes";
            } else if (current + 1 < tensors.size()) {
                missing = (tensors.size() - current - 1) + " declared tensors were not written, starting with '"
                        + tensors.get(current + 1).name() + "'";
            }
            if (missing != null) {
                closed = true;
                closeQuietly();
                deleteQuietly();
                throw new IllegalStateException(path + ": incomplete GGUF file deleted: " + missing);
            }
            closeWindow();
            if (!tensors.isEmpty()) {
                pad(align(filePos) - filePos);
            }
            flush();
            closed = true;
            channel.close();
        } catch (IOException e) {
            closed = true;
            closeQuietly();
            throw ioError(e);
        } catch (RuntimeException e) {
            closed = true;
            closeQuietly();
            throw e;
        }
    }

    // ---- header ----

    private void writeHeader() {
        putU32(GgufReader.MAGIC);
        putU32(3);
        putU64(tensors.size());
        putU64(kvs.size());
        for (Map.Entry<String, Entry> e : kvs.entrySet()) {
            putString(e.getKey());
            putU32(e.getValue().type().id());
            putValue(e.getValue().type(), e.getValue().value());
        }
        for (GgufTensorInfo t : tensors) {
            putString(t.name());
            putU32(t.rank());
            for (long d : t.dims()) {
                putU64(d);
            }
            putU32(t.type().id());
            putU64(t.offset());
        }
        dataOffset = align(filePos);
        pad(dataOffset - filePos);
    }

    private void putValue(GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> {
                room(1);
                buf.put((Byte) v);
                filePos += 1;
            }
            case BOOL -> {
                room(1);
                buf.put((byte) ((Boolean) v ? 1 : 0));
                filePos += 1;
            }
            case UINT16, INT16 -> {
                room(2);
                buf.putShort((Short) v);
                filePos += 2;
            }
            case UINT32, INT32 -> putU32((Integer) v);
            case UINT64, INT64 -> putU64((Long) v);
            case FLOAT32 -> {
                room(4);
                buf.putFloat((Float) v);
                filePos += 4;
            }
            case FLOAT64 -> {
                room(8);
                buf.putDouble((Double) v);
                filePos += 8;
            }
            case STRING -> putString((String) v);
            case ARRAY -> putArrayValue((GgufArray) v);
        }
    }

    private void putArrayValue(GgufArray a) {
        putU32(a.elementType.id());
        putU64(a.length());
        switch (a.data) {
            case byte[] x -> {
                for (byte b : x) {
                    room(1);
                    buf.put(b);
                }
                filePos += x.length;
            }
            case boolean[] x -> {
                for (boolean b : x) {
                    room(1);
                    buf.put((byte) (b ? 1 : 0));
                }
                filePos += x.length;
            }
            case short[] x -> {
                for (short s : x) {
                    room(2);
                    buf.putShort(s);
                }
                filePos += 2L * x.length;
            }
            case int[] x -> {
                for (int i : x) {
                    room(4);
                    buf.putInt(i);
                }
                filePos += 4L * x.length;
            }
            case long[] x -> {
                for (long l : x) {
                    room(8);
                    buf.putLong(l);
                }
                filePos += 8L * x.length;
            }
            case float[] x -> {
                for (float f : x) {
                    room(4);
                    buf.putFloat(f);
                }
                filePos += 4L * x.length;
            }
            case double[] x -> {
                for (double d : x) {
                    room(8);
                    buf.putDouble(d);
                }
                filePos += 8L * x.length;
            }
            case Object[] x -> {
                for (Object o : x) {
                    putValue(a.elementType, o);
                }
            }
            default -> throw new AssertionError(a.data.getClass());
        }
    }

    private void putString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putU64(b.length);
        putBytes(b, 0, b.length);
    }

    private void putU32(int v) {
        room(4);
        buf.putInt(v);
        filePos += 4;
    }

    private void putU64(long v) {
        room(8);
        buf.putLong(v);
        filePos += 8;
    }

    private void putBytes(byte[] b, int off, int len) {
        while (len > 0) {
            room(1);
            int n = Math.min(len, buf.remaining());
            buf.put(b, off, n);
            off += n;
            len -= n;
            filePos += n;
        }
    }

    private void pad(long n) {
        assert n >= 0 : n;
        while (n > 0) {
            int k = (int) Math.min(n, ZEROS.length);
            putBytes(ZEROS, 0, k);
            n -= k;
        }
    }

    private void room(int n) {
        if (buf.remaining() < n) {
            flush();
        }
    }

    private void flush() {
        buf.flip();
        try {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException e) {
            throw ioError(e);
        }
        buf.clear();
    }

    private void finishCurrent() {
        closeWindow();
        if (current >= 0) {
            GgufTensorInfo t = tensors.get(current);
            if (currentWritten != t.byteSize()) {
                throw new IllegalStateException("tensor '" + t.name() + "' got " + currentWritten + " of its "
                        + t.byteSize() + " bytes");
            }
        }
    }

    private long align(long x) {
        return (x + alignment - 1) / alignment * alignment;
    }

    // ---- checks ----

    private void checkOpenForDeclarations() {
        checkNotClosed();
        if (dataOffset >= 0) {
            throw new IllegalStateException("metadata and tensors must all be declared before the first tensor's data");
        }
    }

    private void checkNotClosed() {
        if (closed) {
            throw new IllegalStateException("GGUF writer for " + path + " is closed");
        }
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        int len = key.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > GgufReader.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("metadata key '" + key + "' must have 1 to "
                    + GgufReader.MAX_KEY_BYTES + " UTF-8 bytes");
        }
    }

    private static long checkRange(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + ": value " + v + " is outside [" + min + ", " + max + "]");
        }
        return v;
    }

    private static Object checkScalar(String key, GgufValueType type, Object v) {
        boolean ok = switch (type) {
            case UINT8, INT8 -> v instanceof Byte;
            case UINT16, INT16 -> v instanceof Short;
            case UINT32, INT32 -> v instanceof Integer;
            case UINT64, INT64 -> v instanceof Long;
            case FLOAT32 -> v instanceof Float;
            case FLOAT64 -> v instanceof Double;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case ARRAY -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException(key + ": a " + type + " value must be given as "
                    + javaTypeOf(type) + ", got " + v.getClass().getSimpleName());
        }
        return v;
    }

    private static String javaTypeOf(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> "Byte";
            case UINT16, INT16 -> "Short";
            case UINT32, INT32 -> "Integer";
            case UINT64, INT64 -> "Long";
            case FLOAT32 -> "Float";
            case FLOAT64 -> "Double";
            case BOOL -> "Boolean";
            case STRING -> "String";
            case ARRAY -> "GgufWriter.Array";
        };
    }

    private GgufWriter putPrimitiveArray(String key, GgufValueType et, Object data, GgufValueType a,
            GgufValueType b) {
        if (et != a && et != b) {
            throw new IllegalArgumentException(key + ": element type must be " + a + " or " + b + ", not " + et);
        }
        return put(key, GgufValueType.ARRAY, new GgufArray(et, data));
    }

    private static GgufArray toGgufArray(String key, Array array, int depth) {
        if (depth >= GgufReader.MAX_ARRAY_DEPTH) {
            throw new IllegalArgumentException(key + ": arrays nested deeper than " + GgufReader.MAX_ARRAY_DEPTH);
        }
        GgufValueType et = array.elementType();
        List<?> items = array.elements();
        int n = items.size();
        Object data = switch (et) {
            case UINT8, INT8 -> {
                byte[] x = new byte[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (Byte) checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case UINT16, INT16 -> {
                short[] x = new short[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (Short) checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case UINT32, INT32 -> {
                int[] x = new int[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (Integer) checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case UINT64, INT64 -> {
                long[] x = new long[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (Long) checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case FLOAT32 -> {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (Float) checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case FLOAT64 -> {
                double[] x = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (Double) checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case BOOL -> {
                boolean[] x = new boolean[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (Boolean) checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case STRING -> {
                Object[] x = new Object[n];
                for (int i = 0; i < n; i++) {
                    x[i] = checkScalar(key, et, items.get(i));
                }
                yield x;
            }
            case ARRAY -> {
                Object[] x = new Object[n];
                for (int i = 0; i < n; i++) {
                    if (!(items.get(i) instanceof Array nested)) {
                        throw new IllegalArgumentException(key + "[" + i + "]: elements of an array of arrays must"
                                + " be GgufWriter.Array");
                    }
                    x[i] = toGgufArray(key + "[" + i + "]", nested, depth + 1);
                }
                yield x;
            }
        };
        return new GgufArray(et, data);
    }

    private ModelFileException ioError(IOException e) {
        return new ModelFileException(path, "cannot write: " + e.getMessage(), e);
    }

    private void closeWindow() {
        if (windowArena != null) {
            Arena a = windowArena;
            windowArena = null;
            a.close();
        }
    }

    private void closeQuietly() {
        closeWindow();
        try {
            channel.close();
        } catch (IOException ignored) {
            // the primary failure is reported
        }
    }

    private void deleteQuietly() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the primary failure is reported
        }
    }

    /** Counts and forwards one tensor's bytes through the writer's buffer. */
    private final class TensorChannel implements WritableByteChannel {
        private final int index;
        private boolean open = true;

        TensorChannel(int index) {
            this.index = index;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (!open || current != index || closed) {
                throw new IllegalStateException("the channel for tensor '" + tensors.get(index).name()
                        + "' is no longer current");
            }
            int n = src.remaining();
            GgufTensorInfo t = tensors.get(index);
            if (n > t.byteSize() - currentWritten) {
                throw new IllegalStateException("tensor '" + t.name() + "' takes " + t.byteSize() + " bytes; "
                        + "writing " + n + " more after " + currentWritten + " is too many");
            }
            if (n >= BUFFER_BYTES / 2) {
                flush();
                while (src.hasRemaining()) {
                    channel.write(src);
                }
            } else {
                if (buf.remaining() < n) {
                    flush();
                }
                buf.put(src);
            }
            filePos += n;
            currentWritten += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    /** A view of a native or byte[]-backed segment; a copy of one backed by another array type. */
    private static ByteBuffer byteBuffer(MemorySegment s) {
        if (s.heapBase().map(b -> b instanceof byte[]).orElse(true)) {
            return s.asByteBuffer();
        }
        return ByteBuffer.wrap(s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }
}
