package dev.jinn.runtime.gpu.fake;

import java.lang.foreign.MemorySegment;

/** {@link KernelArgs} over plain Java values, for calling the twins directly in tests. */
final class HostArgs implements KernelArgs {
    private final Object[] values;

    private HostArgs(Object[] values) {
        this.values = values;
    }

    /** Arguments in declaration order: {@link MemorySegment} (or null for a null pointer), Integer, Float. */
    static HostArgs of(Object... values) {
        return new HostArgs(values.clone());
    }

    @Override
    public MemorySegment ptr(int i) {
        return values[i] == null ? MemorySegment.NULL : (MemorySegment) values[i];
    }

    @Override
    public int i32(int i) {
        return (Integer) values[i];
    }

    @Override
    public float f32(int i) {
        return (Float) values[i];
    }
}
