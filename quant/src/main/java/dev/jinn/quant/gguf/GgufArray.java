package dev.jinn.quant.gguf;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A GGUF array value as it is kept in memory: a primitive Java array of the element width for numbers and booleans
 * (byte[], short[], int[], long[], float[], double[], boolean[]), or an {@code Object[]} of Strings or nested
 * {@code GgufArray}s. {@link #asList()} gives the boxed, unmodifiable view that {@link GgufMetadata#get} returns.
 * Immutable once built: the arrays are never handed out.
 */
final class GgufArray {
    final GgufValueType elementType;
    final Object data;

    GgufArray(GgufValueType elementType, Object data) {
        this.elementType = Objects.requireNonNull(elementType);
        this.data = Objects.requireNonNull(data);
    }

    int length() {
        return switch (data) {
            case byte[] a -> a.length;
            case short[] a -> a.length;
            case int[] a -> a.length;
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case Object[] a -> a.length;
            default -> throw new AssertionError(data.getClass());
        };
    }

    /** Element {@code i}, boxed like {@link GgufMetadata#get}; nested arrays as lists. */
    Object element(int i) {
        return switch (data) {
            case byte[] a -> a[i];
            case short[] a -> a[i];
            case int[] a -> a[i];
            case long[] a -> a[i];
            case float[] a -> a[i];
            case double[] a -> a[i];
            case boolean[] a -> a[i];
            case Object[] a -> a[i] instanceof GgufArray g ? g.asList() : a[i];
            default -> throw new AssertionError(data.getClass());
        };
    }

    /** Integer element {@code i} as a long, unsigned types zero-extended. Only for integer element types. */
    long longElement(int i) {
        boolean u = elementType.isUnsigned();
        return switch (data) {
            case byte[] a -> u ? Byte.toUnsignedLong(a[i]) : a[i];
            case short[] a -> u ? Short.toUnsignedLong(a[i]) : a[i];
            case int[] a -> u ? Integer.toUnsignedLong(a[i]) : a[i];
            case long[] a -> a[i];
            default -> throw new AssertionError(data.getClass());
        };
    }

    List<Object> asList() {
        return new View(this);
    }

    private static final class View extends AbstractList<Object> implements RandomAccess {
        private final GgufArray array;
        private final int size;

        View(GgufArray array) {
            this.array = array;
            this.size = array.length();
        }

        @Override
        public Object get(int index) {
            Objects.checkIndex(index, size);
            return array.element(index);
        }

        @Override
        public int size() {
            return size;
        }
    }
}
