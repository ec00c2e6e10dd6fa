package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;
import java.lang.foreign.MemorySegment;

/**
 * ggml type BF16 (id 30; also safetensors "BF16"): the upper 16 bits of a little-endian float32. Decoding is exact;
 * encoding is ggml's {@code ggml_compute_fp32_to_bf16} (round to nearest even, NaN kept quiet). Stateless and
 * thread-safe.
 */
public final class BF16Codec extends BlockCodec {
    static final String NAME = "BF16";

    public BF16Codec() {
        super(NAME, 30, 1, 2);
    }

    @Override
    void decodeBlocks(MemorySegment src, long offset, float[] dst, int dstOffset, int elements) {
        short[] buf = new short[Math.min(elements, Blocks.CHUNK_BYTES / 2)];
        for (int i = 0; i < elements; i += buf.length) {
            int n = Math.min(buf.length, elements - i);
            MemorySegment.copy(src, Blocks.LE_SHORT, offset + 2L * i, buf, 0, n);
            for (int k = 0; k < n; k++) {
                short s = buf[k];
                dst[dstOffset + i + k] = Float16.bf16ToFloat(s);
            }
        }
    }

    @Override
    void encodeBlocks(float[] src, int srcOffset, MemorySegment dst, long offset, int elements) {
        for (int i = 0; i < elements; i++) {
            Blocks.put16(dst, offset + 2L * i, Float16.floatToBf16(src[srcOffset + i]));
        }
    }
}
