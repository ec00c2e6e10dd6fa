package dev.jinn.runtime.gpu.fake;

import java.lang.foreign.MemorySegment;

/**
 * The arguments of one launch as the fake CUDA driver decodes them from {@code void** kernelParams}, by the
 * parameter kinds of {@link dev.jinn.runtime.gpu.kernels.Kernel}.
 */
public interface KernelArgs {
    /**
     * Parameter {@code i} (a {@code PTR}) as host memory: the fake device allocation it points into, from that
     * address to the allocation's end; {@link MemorySegment#NULL} for a null pointer.
     */
    MemorySegment ptr(int i);

    /** Parameter {@code i} (an {@code I32}). */
    int i32(int i);

    /** Parameter {@code i} (an {@code F32}). */
    float f32(int i);
}
