package dev.jinn.quant.gguf;

import dev.jinn.quant.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the header of a GGUF file (magic, version, metadata, tensor infos) from a memory segment holding the whole
 * file. Every length and count is checked against the bytes that remain before anything sized by it is allocated,
 * so a hostile file costs at most a small multiple of its own size in memory, and every defect is reported as one
 * {@link GgufFormatException} naming the field and its byte offset. Not thread-safe; one instance per parse.
 */
final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_KEY_BYTES = 65535;
    static final int MAX_TENSOR_NAME_BYTES = 64;
    static final int MAX_DIMS = 4;
    /** Arrays nested deeper than this are refused: the spec allows nesting, nobody needs much of it. */
    static final int MAX_ARRAY_DEPTH = 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a parse yields. */
    record Header(int version, int alignment, long dataOffset, GgufMetadata metadata, List<GgufTensorInfo> tensors,
            Map<String, GgufTensorInfo> byName) {}

    private final MemorySegment seg;
    private final long size;
    private final Path path;
    private long pos;
    private byte[] scratch = new byte[256];

    private GgufReader(MemorySegment seg, Path path) {
        this.seg = seg;
        this.size = seg.byteSize();
        this.path = path;
    }

    static Header parse(MemorySegment seg, Path path) {
        return new GgufReader(seg, path).header();
    }

    private Header header() {
        if (size < 4) {
            throw error("magic", 0, "file is " + size + " bytes, too short for a GGUF header");
        }
        int magic = seg.get(U32, 0);
        if (magic != MAGIC) {
            throw error("magic", 0, String.format("expected the bytes 'GGUF' (47 47 55 46), found %02x %02x %02x %02x"
                    + " — not a GGUF file", magic & 0xff, magic >>> 8 & 0xff, magic >>> 16 & 0xff, magic >>> 24));
        }
        pos = 4;
        int version = u32("version");
        if (version == 1) {
            throw error("version", 4, "GGUF version 1 (32-bit counts and lengths) is not supported; convert the model"
                    + " again with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) >= 1 && Integer.reverseBytes(version) <= 3
                    ? " (a big-endian GGUF file? only little-endian files are supported)" : "";
            throw error("version", 4, "unsupported GGUF version " + Integer.toUnsignedString(version)
                    + ", expected 2 or 3" + hint);
        }
        long tensorCountAt = pos;
        long tensorCount = u64("tensor_count");
        long kvCountAt = pos;
        long kvCount = u64("metadata_kv_count");
        // Cheapest possible KV: key of 1 byte (8 + 1), type (4), a 1-byte value. Cheapest tensor info: empty name
        // (8), n_dims (4), one dim (8), type (4), offset (8).
        if (kvCount < 0 || kvCount > remaining() / 14) {
            throw error("metadata_kv_count", kvCountAt, "count " + Long.toUnsignedString(kvCount)
                    + " cannot fit in the " + remaining() + " bytes left in the file");
        }
        if (tensorCount < 0 || tensorCount > (remaining() - kvCount * 14) / 32) {
            throw error("tensor_count", tensorCountAt, "count " + Long.toUnsignedString(tensorCount)
                    + " cannot fit in the " + remaining() + " bytes left in the file");
        }

        LinkedHashMap<String, GgufMetadata.Entry> kvs = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = pos;
            String key = name("metadata key #" + i, MAX_KEY_BYTES);
            long typeAt = pos;
            GgufValueType type = valueType("type of metadata key '" + key + "'");
            Object value = value(key, type, 0);
            if (kvs.putIfAbsent(key, new GgufMetadata.Entry(type, value, at)) != null) {
                throw error("metadata key '" + key + "'", at, "duplicate key (first at byte "
                        + kvs.get(key).offset() + ")");
            }
            assert typeAt > at;
        }
        GgufMetadata metadata = new GgufMetadata(path, kvs);

        int alignment = DEFAULT_ALIGNMENT;
        GgufMetadata.Entry align = kvs.get(ALIGNMENT_KEY);
        if (align != null) {
            if (align.type() != GgufValueType.UINT32) {
                throw error("metadata key '" + ALIGNMENT_KEY + "'", align.offset(), "expected UINT32, found "
                        + align.typeName());
            }
            int a = (Integer) align.value();
            if (a <= 0 || Integer.bitCount(a) != 1 || a % 8 != 0) {
                throw error("metadata key '" + ALIGNMENT_KEY + "'", align.offset(), "alignment "
                        + Integer.toUnsignedString(a) + " is not a power of two that is a multiple of 8");
            }
            alignment = a;
        }

        List<GgufTensorInfo> tensors = new ArrayList<>();
        Map<String, GgufTensorInfo> byName = new HashMap<>();
        long[] infoOffsets = new long[(int) tensorCount]; // bounded by the file size / 32 above
        for (int i = 0; i < tensorCount; i++) {
            long at = pos;
            infoOffsets[i] = at;
            String name = name("tensor info #" + i + " name", MAX_TENSOR_NAME_BYTES);
            String field = "tensor '" + name + "'";
            long ndAt = pos;
            int nDims = u32(field + " n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw error(field + " n_dims", ndAt, "n_dims " + Integer.toUnsignedString(nDims)
                        + ", expected 1 to " + MAX_DIMS);
            }
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long dimAt = pos;
                dims[d] = u64(field + " dims[" + d + "]");
                if (dims[d] < 0) {
                    throw error(field + " dims[" + d + "]", dimAt, "dimension " + Long.toUnsignedString(dims[d])
                            + " is larger than 2^63-1");
                }
                try {
                    elements = Math.multiplyExact(elements, dims[d]);
                } catch (ArithmeticException e) {
                    throw error(field + " dims[" + d + "]", dimAt, "element count " + Arrays.toString(dims)
                            + " overflows a 64-bit integer");
                }
            }
            long typeAt = pos;
            int typeId = u32(field + " type");
            GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> error(field + " type", typeAt,
                    "unknown ggml type id " + Integer.toUnsignedString(typeId)));
            if (dims[0] % type.blockElements() != 0) {
                throw error(field + " dims[0]", ndAt + 4, "row length " + dims[0] + " is not a multiple of the "
                        + type + " block size " + type.blockElements());
            }
            long byteSize;
            try {
                byteSize = GgufTensorInfo.byteSizeOf(type, dims);
            } catch (ArithmeticException e) {
                throw error(field + " dims", ndAt + 4, "byte size of " + type + " " + Arrays.toString(dims)
                        + " overflows a 64-bit integer");
            }
            long offAt = pos;
            long offset = u64(field + " offset");
            if (offset < 0 || offset % alignment != 0) {
                throw error(field + " offset", offAt, "data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            GgufTensorInfo info = new GgufTensorInfo(name, dims, type, offset, byteSize);
            GgufTensorInfo previous = byName.putIfAbsent(name, info);
            if (previous != null) {
                throw error(field, at, "duplicate tensor name");
            }
            tensors.add(info);
        }

        long end = pos;
        long dataOffset = (end + alignment - 1) / alignment * alignment;
        long dataBytes = Math.max(0, size - dataOffset);
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensorInfo t = tensors.get(i);
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                throw error("tensor '" + t.name() + "' offset", infoOffsets[i] + 8 + utf8Length(t.name())
                        + 4 + 8L * t.rank() + 4, "data [" + t.offset() + ", " + t.offset() + " + " + t.byteSize()
                        + ") of the data section at byte " + dataOffset + " ends past the end of the file ("
                        + size + " bytes)");
            }
        }
        checkOverlaps(tensors, infoOffsets);
        return new Header(version, alignment, dataOffset, metadata, List.copyOf(tensors), byName);
    }

    private void checkOverlaps(List<GgufTensorInfo> tensors, long[] infoOffsets) {
        Integer[] order = new Integer[tensors.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> tensors.get(i).offset()));
        for (int k = 1; k < order.length; k++) {
            GgufTensorInfo a = tensors.get(order[k - 1]);
            GgufTensorInfo b = tensors.get(order[k]);
            if (b.byteSize() > 0 && a.offset() + a.byteSize() > b.offset()) {
                throw error("tensor '" + b.name() + "'", infoOffsets[order[k]], "data at offset " + b.offset()
                        + " overlaps tensor '" + a.name() + "' [" + a.offset() + ", " + (a.offset() + a.byteSize())
                        + ")");
            }
        }
    }

    private static long utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private Object value(String key, GgufValueType type, int depth) {
        long at = pos;
        return switch (type) {
            case UINT8, INT8 -> u8(key);
            case UINT16, INT16 -> {
                need(key, 2);
                short v = seg.get(U16, pos);
                pos += 2;
                yield v;
            }
            case UINT32, INT32 -> u32(key);
            case UINT64, INT64 -> u64(key);
            case FLOAT32 -> {
                need(key, 4);
                float v = seg.get(F32, pos);
                pos += 4;
                yield v;
            }
            case FLOAT64 -> {
                need(key, 8);
                double v = seg.get(F64, pos);
                pos += 8;
                yield v;
            }
            case BOOL -> {
                byte b = u8(key);
                if (b != 0 && b != 1) {
                    throw error("value of metadata key '" + key + "'", at, "BOOL byte " + (b & 0xff)
                            + ", expected 0 or 1");
                }
                yield b == 1;
            }
            case STRING -> string("value of metadata key '" + key + "'", Long.MAX_VALUE, false);
            case ARRAY -> array(key, depth + 1);
        };
    }

    private GgufArray array(String key, int depth) {
        long at = pos;
        String field = "array value of metadata key '" + key + "'";
        if (depth > MAX_ARRAY_DEPTH) {
            throw error(field, at, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " levels");
        }
        GgufValueType et = valueType(field + " element type");
        long countAt = pos;
        long count = u64(field + " count");
        long min = et.minSize();
        if (count < 0 || count > remaining() / min || count > Integer.MAX_VALUE - 8) {
            throw error(field + " count", countAt, "array of " + Long.toUnsignedString(count) + " " + et
                    + " elements cannot fit in the " + remaining() + " bytes left in the file");
        }
        int n = (int) count;
        long bytes = n * min;
        switch (et) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, a, 0, n);
                pos += bytes;
                return new GgufArray(et, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    byte b = seg.get(ValueLayout.JAVA_BYTE, pos + i);
                    if (b != 0 && b != 1) {
                        throw error(field + "[" + i + "]", pos + i, "BOOL byte " + (b & 0xff) + ", expected 0 or 1");
                    }
                    a[i] = b == 1;
                }
                pos += bytes;
                return new GgufArray(et, a);
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                MemorySegment.copy(seg, U16, pos, a, 0, n);
                pos += bytes;
                return new GgufArray(et, a);
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                MemorySegment.copy(seg, U32, pos, a, 0, n);
                pos += bytes;
                return new GgufArray(et, a);
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                MemorySegment.copy(seg, U64, pos, a, 0, n);
                pos += bytes;
                return new GgufArray(et, a);
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                MemorySegment.copy(seg, F32, pos, a, 0, n);
                pos += bytes;
                return new GgufArray(et, a);
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                MemorySegment.copy(seg, F64, pos, a, 0, n);
                pos += bytes;
                return new GgufArray(et, a);
            }
            case STRING -> {
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = arrayString(key, i);
                }
                return new GgufArray(et, a);
            }
            case ARRAY -> {
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = array(key + "[" + i + "]", depth + 1);
                }
                return new GgufArray(et, a);
            }
            default -> throw new AssertionError(et);
        }
    }

    /** The hot path for 152k-token vocabularies: no field-name strings unless something is wrong. */
    private String arrayString(String key, int index) {
        long at = pos;
        if (remaining() < 8) {
            throw truncated("length of string " + index + " of metadata key '" + key + "'", 8);
        }
        long len = seg.get(U64, pos);
        if (len < 0 || len > remaining() - 8) {
            throw error("length of string " + index + " of metadata key '" + key + "'", at, "string of "
                    + Long.toUnsignedString(len) + " bytes runs past the end of the file (" + size + " bytes)");
        }
        pos += 8;
        return utf8((int) len, false, null);
    }

    private String string(String field, long maxBytes, boolean strict) {
        long at = pos;
        long len = u64("length of " + field);
        if (len < 0 || len > remaining()) {
            throw error("length of " + field, at, "string of " + Long.toUnsignedString(len)
                    + " bytes runs past the end of the file (" + size + " bytes)");
        }
        if (len > maxBytes) {
            throw error("length of " + field, at, "string of " + len + " bytes, at most " + maxBytes + " allowed");
        }
        return utf8((int) len, strict, field);
    }

    /** A key or tensor name: 1..maxBytes bytes of valid UTF-8. */
    private String name(String field, int maxBytes) {
        long at = pos;
        String s = string(field, maxBytes, true);
        if (s.isEmpty()) {
            throw error(field, at, "empty name");
        }
        return s;
    }

    private String utf8(int len, boolean strict, String field) {
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, scratch.length * 2)];
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, scratch, 0, len);
        long at = pos;
        pos += len;
        if (!strict) {
            return new String(scratch, 0, len, StandardCharsets.UTF_8); // malformed bytes become U+FFFD
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(scratch, 0, len))
                    .toString();
        } catch (CharacterCodingException e) {
            throw error(field, at, "not valid UTF-8");
        }
    }

    private GgufValueType valueType(String field) {
        long at = pos;
        int id = u32(field);
        GgufValueType t = GgufValueType.byId(Integer.toUnsignedLong(id));
        if (t == null) {
            throw error(field, at, "unknown value type id " + Integer.toUnsignedString(id) + ", expected 0 to 12");
        }
        return t;
    }

    private byte u8(String field) {
        need(field, 1);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private int u32(String field) {
        need(field, 4);
        int v = seg.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64(String field) {
        need(field, 8);
        long v = seg.get(U64, pos);
        pos += 8;
        return v;
    }

    private long remaining() {
        return size - pos;
    }

    private void need(String field, long n) {
        if (remaining() < n) {
            throw truncated(field, n);
        }
    }

    private GgufFormatException truncated(String field, long n) {
        return error(field, pos, "needs " + n + " bytes but the file ends at byte " + size + " (truncated?)");
    }

    private GgufFormatException error(String field, long at, String problem) {
        return new GgufFormatException(path, field, at, problem);
    }
}
