package dev.jinn.runtime.cpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;

class ArrayAlignmentTest {
    @Test
    void namesTheElementThatStartsACacheLine() throws Throwable {
        assumeTrue(ArrayAlignment.available(), "needs --enable-native-access");
        // the address of the named element, asked independently: memset(p, 0, 0) returns p and writes nothing
        Linker linker = Linker.nativeLinker();
        @SuppressWarnings("restricted")
        MethodHandle memset = linker.downcallHandle(linker.defaultLookup().find("memset").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG), Linker.Option.critical(true));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            float[] a = new float[100 + i]; // sizes that move the next array's start around
            a[0] = 1f;
            int k = ArrayAlignment.floatsToLine(MemorySegment.ofArray(a));
            assertThat(k).isBetween(0, ArrayAlignment.LINE_FLOATS - 1);
            long address = ((MemorySegment) memset.invokeExact(MemorySegment.ofArray(a).asSlice(4L * k), 0, 0L))
                    .address();
            // one collection between the two calls could move the array; that run would say so here
            assertThat(address % 64).as("address of element %d of a float[%d]", k, a.length).isZero();
            assertThat(a[0]).isEqualTo(1f); // nothing written
            seen.add(k);
        }
        assertThat(seen).as("offsets over 200 fresh arrays").hasSizeGreaterThan(1);
    }
}
