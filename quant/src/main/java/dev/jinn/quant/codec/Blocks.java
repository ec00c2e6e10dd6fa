package dev.jinn.quant.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian accessors and range checks shared by the codecs. Not part of the API. */
final class Blocks {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final VarHandle ARRAY_LE_SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** Encoded bytes staged per step by {@link #decodeChunked}: small enough for L1, large enough to amortise. */
    static final int CHUNK_BYTES = 1 << 13;

    private Blocks() {
    }

    /** Decodes {@code blocks} whole blocks held in a byte array. */
    @FunctionalInterface
    interface ArrayDecoder {
        void decode(byte[] src, int srcOffset, int blocks, float[] dst, int dstOffset);
    }

    /**
     * Decodes {@code blocks} blocks from {@code src} by copying them, a few KiB at a time, into a byte array and
     * decoding from there: plain array reads let the JIT drop per-byte segment checks. Ranges must be checked.
     */
    static void decodeChunked(MemorySegment src, long offset, int blocks, int blockBytes, int blockElements,
            float[] dst, int dstOffset, ArrayDecoder decoder) {
        int perChunk = Math.max(1, CHUNK_BYTES / blockBytes);
        byte[] buf = new byte[Math.min(blocks, perChunk) * blockBytes];
        for (int b = 0; b < blocks; b += perChunk) {
            int n = Math.min(perChunk, blocks - b);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, offset + (long) b * blockBytes, buf, 0, n * blockBytes);
            decoder.decode(buf, 0, n, dst, dstOffset + b * blockElements);
        }
    }

    /** The little-endian short at {@code a[i]}, {@code a[i + 1]}. */
    static short le16(byte[] a, int i) {
        return (short) ARRAY_LE_SHORT.get(a, i);
    }

    static void put8(MemorySegment s, long offset, int value) {
        s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    static void put16(MemorySegment s, long offset, short value) {
        s.set(LE_SHORT, offset, value);
    }

    /**
     * Checks, before anything is read or written, that {@code blocks} blocks of {@code blockBytes} bytes starting at
     * byte {@code offset} lie inside {@code segment}.
     *
     * @throws IndexOutOfBoundsException naming the codec, the range and the segment size
     */
    static void checkSegment(String codec, MemorySegment segment, long offset, long blocks, int blockBytes) {
        long bytes = blocks * blockBytes;
        if (offset < 0 || offset > segment.byteSize() || bytes > segment.byteSize() - offset) {
            throw new IndexOutOfBoundsException(codec + ": " + blocks + " block(s) of " + blockBytes
                    + " bytes at byte offset " + offset + " need bytes [" + offset + ", " + (offset + bytes)
                    + ") but the segment holds " + segment.byteSize() + " bytes");
        }
    }

    /**
     * Checks that floats {@code [from, from + length)} lie inside {@code array}.
     *
     * @throws IndexOutOfBoundsException naming the codec, the range and the array length
     */
    static void checkArray(String codec, String what, float[] array, int from, int length) {
        if (from < 0 || length < 0 || from > array.length - length) {
            throw new IndexOutOfBoundsException(codec + ": " + what + " range [" + from + ", "
                    + ((long) from + length) + ") is outside a float array of length " + array.length);
        }
    }

    /**
     * The number of blocks in {@code elements} values.
     *
     * @throws IllegalArgumentException if {@code elements} is negative or not a multiple of the block size
     */
    static int blocks(String codec, int elements, int blockElements) {
        if (elements < 0 || elements % blockElements != 0) {
            throw new IllegalArgumentException(codec + ": " + elements
                    + " elements is not a whole number of blocks of " + blockElements);
        }
        return elements / blockElements;
    }

    /**
     * ggml's {@code nearest_int}: rounds to nearest, ties to even, by adding 1.5·2^23 and reading the mantissa bits.
     * Exact for |x| ≤ 4194303 (ggml asserts that); outside it returns what ggml returns, not a saturated value.
     */
    static int nearestInt(float x) {
        float v = x + 12582912.0f;
        return (Float.floatToRawIntBits(v) & 0x007FFFFF) - 0x00400000;
    }
}
