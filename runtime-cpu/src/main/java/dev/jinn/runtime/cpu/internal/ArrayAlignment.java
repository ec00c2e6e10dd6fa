package dev.jinn.runtime.cpu.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a float array's elements meet a 64-byte cache line, so that the prefill kernels' 512-bit loads each read one
 * line instead of two. Java places an array's elements 16 bytes after an 8-byte-aligned object start, so a
 * full-vector load from it is usually split over two lines; on the reference machine the 4 x 4 prefill tile
 * ({@code blockSums}) ran 28% faster from line-aligned arrays than from the same arrays 16, 32 or 48 bytes off.
 *
 * <p>The JDK does not tell an array's address, but a downcall may take a heap array (a critical call, during which
 * the collector stands still), and {@code memset(p, 0, 0)} returns {@code p} without writing anything. The answer
 * holds until the collector next moves the array; callers ask again for every mat-mul, and a moved array only costs
 * speed, never correctness (they keep the offset they wrote with). Where native access is not enabled for this
 * module, or the call is not available, the offset is 0.
 */
final class ArrayAlignment {
    /** Floats per 64-byte cache line: arrays get this many spare elements to shift their start within. */
    static final int LINE_FLOATS = 16;
    private static final MethodHandle MEMSET = memset();

    private ArrayAlignment() {
    }

    @SuppressWarnings("restricted") // one libc call that writes nothing, made only where native access is enabled
    private static MethodHandle memset() {
        if (!ArrayAlignment.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            // the returned pointer taken as a 64-bit integer (the same register): no segment allocated per call
            return linker.defaultLookup().find("memset")
                    .map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                            Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@link #floatsToLine} can tell anything (native access enabled, memset found). */
    static boolean available() {
        return MEMSET != null;
    }

    /**
     * The index of the first element of a float array that starts a 64-byte cache line, 0 to 15, at the time of the
     * call; 0 where that cannot be told. {@code floats} is the array's {@link MemorySegment#ofArray(float[]) heap
     * segment}, kept beside the array so that the call allocates nothing.
     */
    static int floatsToLine(MemorySegment floats) {
        if (MEMSET == null) {
            return 0;
        }
        try {
            long address = (long) MEMSET.invokeExact(floats, 0, 0L);
            return (int) ((64 - (address & 63)) & 63) / Float.BYTES;
        } catch (Throwable e) {
            return 0;
        }
    }
}
