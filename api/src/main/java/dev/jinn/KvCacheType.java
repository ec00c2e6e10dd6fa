package dev.jinn;

/** How a sequence's keys and values are stored: F16 (the default, as llama.cpp), F32, or Q8_0 blocks of 32. */
public enum KvCacheType {
    F32(4.0),
    F16(2.0),
    Q8_0(34.0 / 32.0);

    private final double bytesPerValue;

    KvCacheType(double bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    /** Average bytes one stored key or value element takes. */
    public double bytesPerValue() {
        return bytesPerValue;
    }
}
