package dev.jinn.quant.safetensors;

import java.util.Optional;

/**
 * The element types a safetensors header may name, with their sizes. Jinn decodes BF16, F16 and F32 to floats;
 * the others are listed so headers can be read and checked, and are refused on decode with a clear error.
 */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
    F64(8), I64(8), U64(8);

    private final int size;

    SafetensorsDType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int byteSize() {
        return size;
    }

    /** True for the types Jinn decodes to float: F32, F16 and BF16. */
    public boolean isDecodable() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type with this header name (exact, upper case as safetensors writes it), or empty. */
    public static Optional<SafetensorsDType> byName(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
