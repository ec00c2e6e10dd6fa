package dev.jinn.quant.gguf;

import java.nio.file.Path;
import java.util.AbstractList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order. Immutable and thread-safe.
 *
 * <p>{@link #get} returns the raw value (see {@link GgufValueType} for the Java type of each); the typed getters
 * convert between compatible types with range checks. Every getter without a default throws
 * {@link GgufFormatException} naming the key when it is missing; every getter throws it naming the key, the expected
 * and the actual type when the value has an incompatible type or does not fit.
 */
public final class GgufMetadata {
    /** One value with its type and the byte offset of its key in the file (-1 when not read from a file). */
    record Entry(GgufValueType type, Object value, long offset) {
        String typeName() {
            return type == GgufValueType.ARRAY ? "ARRAY of " + ((GgufArray) value).elementType : type.name();
        }
    }

    private final Path path;
    private final Map<String, Entry> entries;

    GgufMetadata(Path path, LinkedHashMap<String, Entry> entries) {
        this.path = path;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** The keys in file order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /** Number of key/value pairs. */
    public int size() {
        return entries.size();
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** The value type of {@code key}; throws if it is missing. */
    public GgufValueType typeOf(String key) {
        return entry(key, "any type").type;
    }

    /** The element type of the array at {@code key}; throws if it is missing or not an array. */
    public GgufValueType arrayElementType(String key) {
        return array(key, "ARRAY").elementType;
    }

    /** The number of elements of the array at {@code key}; throws if it is missing or not an array. */
    public int arrayLength(String key) {
        return array(key, "ARRAY").length();
    }

    /** The byte offset of the key/value pair in the file, or -1 when unknown; throws if the key is missing. */
    public long byteOffset(String key) {
        return entry(key, "any type").offset;
    }

    /** The raw value; arrays as unmodifiable lists (nested arrays as nested lists). */
    public Object get(String key) {
        Entry e = entry(key, "any type");
        return e.type == GgufValueType.ARRAY ? ((GgufArray) e.value).asList() : e.value;
    }

    public String getString(String key) {
        Entry e = entry(key, "STRING");
        if (e.type != GgufValueType.STRING) {
            throw wrongType(key, e, "STRING");
        }
        return (String) e.value;
    }

    public String getString(String key, String dflt) {
        return contains(key) ? getString(key) : dflt;
    }

    /** Any integer type as a long; a UINT64 above {@link Long#MAX_VALUE} is an error. */
    public long getLong(String key) {
        Entry e = entry(key, "an integer type");
        long v = integerValue(key, e, "an integer type");
        if (e.type == GgufValueType.UINT64 && v < 0) {
            throw new GgufFormatException(path, "metadata key '" + key + "'", e.offset,
                    "UINT64 value " + Long.toUnsignedString(v) + " does not fit a signed 64-bit long");
        }
        return v;
    }

    public long getLong(String key, long dflt) {
        return contains(key) ? getLong(key) : dflt;
    }

    /** Any integer type whose value fits an int. */
    public int getInt(String key) {
        Entry e = entry(key, "an integer type");
        long v = integerValue(key, e, "an integer type");
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || e.type == GgufValueType.UINT64 && v < 0) {
            throw new GgufFormatException(path, "metadata key '" + key + "'", e.offset, e.type + " value "
                    + (e.type == GgufValueType.UINT64 ? Long.toUnsignedString(v) : v) + " does not fit a 32-bit int");
        }
        return (int) v;
    }

    public int getInt(String key, int dflt) {
        return contains(key) ? getInt(key) : dflt;
    }

    /** FLOAT32, or FLOAT64 rounded to float. */
    public float getFloat(String key) {
        Entry e = entry(key, "FLOAT32 or FLOAT64");
        return switch (e.type) {
            case FLOAT32 -> (Float) e.value;
            case FLOAT64 -> (float) (double) (Double) e.value;
            default -> throw wrongType(key, e, "FLOAT32 or FLOAT64");
        };
    }

    public float getFloat(String key, float dflt) {
        return contains(key) ? getFloat(key) : dflt;
    }

    /** FLOAT64 or FLOAT32 as a double. */
    public double getDouble(String key) {
        Entry e = entry(key, "FLOAT32 or FLOAT64");
        return switch (e.type) {
            case FLOAT32 -> (Float) e.value;
            case FLOAT64 -> (Double) e.value;
            default -> throw wrongType(key, e, "FLOAT32 or FLOAT64");
        };
    }

    public boolean getBoolean(String key) {
        Entry e = entry(key, "BOOL");
        if (e.type != GgufValueType.BOOL) {
            throw wrongType(key, e, "BOOL");
        }
        return (Boolean) e.value;
    }

    public boolean getBoolean(String key, boolean dflt) {
        return contains(key) ? getBoolean(key) : dflt;
    }

    /** An array of STRING as an unmodifiable list (a view; no copy of the strings). */
    public List<String> getStringList(String key) {
        GgufArray a = array(key, "ARRAY of STRING");
        if (a.elementType != GgufValueType.STRING) {
            throw wrongType(key, entries.get(key), "ARRAY of STRING");
        }
        Object[] items = (Object[]) a.data;
        return new StringView(items);
    }

    /** An array of any integer type whose elements all fit an int, as a new int[]. */
    public int[] getIntArray(String key) {
        GgufArray a = array(key, "ARRAY of an integer type");
        if (!a.elementType.isInteger()) {
            throw wrongType(key, entries.get(key), "ARRAY of an integer type");
        }
        if (a.data instanceof int[] ints && a.elementType == GgufValueType.INT32) {
            return ints.clone();
        }
        int n = a.length();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            long v = a.longElement(i);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || a.elementType == GgufValueType.UINT64 && v < 0) {
                throw new GgufFormatException(path, "metadata key '" + key + "'[" + i + "]", entries.get(key).offset,
                        a.elementType + " value " + (a.elementType == GgufValueType.UINT64
                                ? Long.toUnsignedString(v) : v) + " does not fit a 32-bit int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** An array of any integer type as a new long[] (a UINT64 element above Long.MAX_VALUE is an error). */
    public long[] getLongArray(String key) {
        GgufArray a = array(key, "ARRAY of an integer type");
        if (!a.elementType.isInteger()) {
            throw wrongType(key, entries.get(key), "ARRAY of an integer type");
        }
        int n = a.length();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long v = a.longElement(i);
            if (a.elementType == GgufValueType.UINT64 && v < 0) {
                throw new GgufFormatException(path, "metadata key '" + key + "'[" + i + "]", entries.get(key).offset,
                        "UINT64 value " + Long.toUnsignedString(v) + " does not fit a signed 64-bit long");
            }
            out[i] = v;
        }
        return out;
    }

    /** An array of FLOAT32 (or FLOAT64, rounded) as a new float[]. */
    public float[] getFloatArray(String key) {
        GgufArray a = array(key, "ARRAY of FLOAT32");
        return switch (a.data) {
            case float[] f -> f.clone();
            case double[] d -> {
                float[] out = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    out[i] = (float) d[i];
                }
                yield out;
            }
            default -> throw wrongType(key, entries.get(key), "ARRAY of FLOAT32");
        };
    }

    /** The file these values came from, or null. */
    Path path() {
        return path;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    private Entry entry(String key, String expected) {
        Objects.requireNonNull(key, "key");
        Entry e = entries.get(key);
        if (e == null) {
            throw new GgufFormatException(path, "metadata key '" + key + "' (" + expected + ") is missing");
        }
        return e;
    }

    private GgufArray array(String key, String expected) {
        Entry e = entry(key, expected);
        if (e.type != GgufValueType.ARRAY) {
            throw wrongType(key, e, expected);
        }
        return (GgufArray) e.value;
    }

    private long integerValue(String key, Entry e, String expected) {
        return switch (e.value) {
            case Byte b -> e.type.isUnsigned() ? Byte.toUnsignedLong(b) : b;
            case Short s -> e.type.isUnsigned() ? Short.toUnsignedLong(s) : s;
            case Integer i -> e.type.isUnsigned() ? Integer.toUnsignedLong(i) : i;
            case Long l -> l;
            default -> throw wrongType(key, e, expected);
        };
    }

    private GgufFormatException wrongType(String key, Entry e, String expected) {
        return new GgufFormatException(path, "metadata key '" + key + "'", e.offset,
                "expected " + expected + " but the value is " + e.typeName());
    }

    @Override
    public String toString() {
        return "GgufMetadata" + entries.keySet();
    }

    private static final class StringView extends AbstractList<String> implements RandomAccess {
        private final Object[] items;

        StringView(Object[] items) {
            this.items = items;
        }

        @Override
        public String get(int index) {
            return (String) items[index];
        }

        @Override
        public int size() {
            return items.length;
        }
    }
}
