package dev.jinn.spi;

import java.lang.foreign.MemorySegment;

/**
 * One ggml tensor encoding (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, ...): how a block of
 * {@link #blockElements()} values is laid out in {@link #blockBytes()} bytes, with a scalar reference
 * decoder and encoder.
 *
 * <p>The scalar methods here are the specification: backends bring their own fast kernels and test them against
 * these. Decoding is bit-exact with ggml's reference dequantizers (computed in float32 in ggml's order).
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader} and keyed by {@link #ggmlType()} and
 * {@link #name()}. They are stateless and thread-safe.
 */
public interface QuantCodec {

    /** The ggml type id as written in GGUF tensor infos (F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12, ...). */
    int ggmlType();

    /** ggml's name of the type, upper case: {@code "Q4_K"}, {@code "BF16"}. */
    String name();

    /** Values per block (1 for F32/F16/BF16, 32 for Q8_0/Q4_0, 256 for the K-quants). */
    int blockElements();

    /** Bytes per block. */
    int blockBytes();

    /**
     * Decodes one block.
     *
     * @param src    the encoded data; not retained
     * @param offset byte offset of the block in {@code src}
     * @param dst    receives {@link #blockElements()} floats
     * @param dstOffset first index written in {@code dst}
     * @throws IndexOutOfBoundsException if the block or the destination range is out of bounds
     */
    void decodeBlock(MemorySegment src, long offset, float[] dst, int dstOffset);

    /**
     * Encodes one block with ggml's reference quantizer.
     *
     * @param src       {@link #blockElements()} floats starting at {@code srcOffset}
     * @param dst       receives {@link #blockBytes()} bytes at {@code offset}
     * @throws IndexOutOfBoundsException if a range is out of bounds
     */
    void encodeBlock(float[] src, int srcOffset, MemorySegment dst, long offset);

    /** Bytes taken by {@code elements} values; {@code elements} must be a multiple of {@link #blockElements()}. */
    default long byteSize(long elements) {
        if (elements < 0 || elements % blockElements() != 0) {
            throw new IllegalArgumentException(
                    name() + ": " + elements + " elements is not a multiple of the block size " + blockElements());
        }
        return elements / blockElements() * blockBytes();
    }

    /** Decodes {@code elements} values (a multiple of {@link #blockElements()}) starting at byte {@code offset}. */
    default void decode(MemorySegment src, long offset, float[] dst, int dstOffset, int elements) {
        byteSize(elements);
        for (int i = 0; i < elements; i += blockElements()) {
            decodeBlock(src, offset, dst, dstOffset + i);
            offset += blockBytes();
        }
    }

    /** Encodes {@code elements} values (a multiple of {@link #blockElements()}) into {@code dst} from byte {@code offset}. */
    default void encode(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        byteSize(elements);
        for (int i = 0; i < elements; i += blockElements()) {
            encodeBlock(src, srcOffset + i, dst, offset);
            offset += blockBytes();
        }
    }
}
