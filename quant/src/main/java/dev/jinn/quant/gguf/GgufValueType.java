package dev.jinn.quant.gguf;

/**
 * The type of a GGUF metadata value, in the order of their ids in the file (UINT8 = 0 ... FLOAT64 = 12).
 *
 * <p>How {@link GgufMetadata#get(String)} represents each: UINT8/INT8 as {@link Byte}, UINT16/INT16 as {@link Short},
 * UINT32/INT32 as {@link Integer}, UINT64/INT64 as {@link Long} (unsigned types keep their raw bits, like Java's own
 * unsigned helpers; use the typed getters for range-checked values), FLOAT32 as {@link Float}, FLOAT64 as
 * {@link Double}, BOOL as {@link Boolean}, STRING as {@link String}, ARRAY as an unmodifiable {@link java.util.List}.
 */
public enum GgufValueType {
    UINT8(1),
    INT8(1),
    UINT16(2),
    INT16(2),
    UINT32(4),
    INT32(4),
    FLOAT32(4),
    BOOL(1),
    STRING(-1),
    ARRAY(-1),
    UINT64(8),
    INT64(8),
    FLOAT64(8);

    private static final GgufValueType[] VALUES = values();

    private final int size;

    GgufValueType(int size) {
        this.size = size;
    }

    /** The id written in the file. */
    public int id() {
        return ordinal();
    }

    /** Bytes taken by one value, or -1 for STRING and ARRAY whose size depends on their content. */
    public int fixedSize() {
        return size;
    }

    /** The smallest number of bytes a value of this type can take (a STRING: its length; an ARRAY: type and count). */
    public int minSize() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> size;
        };
    }

    /** True for the eight integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** True for UINT8, UINT16, UINT32 and UINT64. */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** The type with this id, or {@code null} when the id is not a GGUF value type. */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < VALUES.length ? VALUES[(int) id] : null;
    }
}
