package dev.jinn.runtime.gpu.fake;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Kernel inputs in host memory for the twin and emulation tests, aligned to 256 bytes as the fake driver's (and
 * CUDA's) device allocations are.
 */
final class HostBuffers {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int ALIGN = 256;

    private HostBuffers() {}

    /** {@code rows} × {@code cols} values encoded as {@code t} (whole blocks per row). */
    static MemorySegment encode(Arena arena, GgmlType t, float[] values, int rows, int cols) {
        MemorySegment s = arena.allocate(rows * t.rowBytes(cols), ALIGN);
        QuantCodecs.require(t).encode(values, 0, s, 0, rows * cols);
        return s;
    }

    /** The values as little-endian float32 (at least 4 bytes, so an empty array still has an address). */
    static MemorySegment floats(Arena arena, float[] v) {
        MemorySegment s = arena.allocate(Math.max(4, v.length * 4L), ALIGN);
        MemorySegment.copy(v, 0, s, F32, 0, v.length);
        return s;
    }

    /** The values as little-endian int32. */
    static MemorySegment ints(Arena arena, int[] v) {
        MemorySegment s = arena.allocate(v.length * 4L, ALIGN);
        MemorySegment.copy(v, 0, s, I32, 0, v.length);
        return s;
    }

    /** {@code count} Gaussian values of standard deviation {@code scale}. */
    static float[] randoms(Random rnd, int count, float scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) rnd.nextGaussian() * scale;
        }
        return v;
    }
}
