package dev.jinn.quant.gguf;

import dev.jinn.quant.GgmlType;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor-info record of a GGUF file.
 *
 * @param name     the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param dims     dimensions, fastest-varying first: a PyTorch {@code [out, in]} matrix is {@code [in, out]} here;
 *                 1 to 4 entries, each non-negative. The record keeps its own copy and returns copies.
 * @param type     the ggml encoding
 * @param offset   byte offset of the data from the start of the file's data section
 * @param byteSize bytes the data takes: {@code dims[0] / blockElements * blockBytes * dims[1] * ...}
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset, long byteSize) {
    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dims = dims.clone();
        if (dims.length < 1 || dims.length > 4) {
            throw new IllegalArgumentException(name + ": " + dims.length + " dimensions, expected 1 to 4");
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension " + d);
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(name + ": element count " + Arrays.toString(dims)
                        + " overflows a long", e);
            }
        }
        if (offset < 0 || byteSize < 0) {
            throw new IllegalArgumentException(name + ": negative offset " + offset + " or size " + byteSize);
        }
    }

    /**
     * Computes the byte size of a tensor of this type and shape.
     *
     * @throws IllegalArgumentException if dims[0] is not a whole number of blocks
     * @throws ArithmeticException if the size overflows a long
     */
    public static long byteSizeOf(GgmlType type, long... dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("no dimensions");
        }
        if (dims[0] < 0 || dims[0] % type.blockElements() != 0) {
            throw new IllegalArgumentException("dims[0] = " + dims[0] + " is not a multiple of the " + type
                    + " block size " + type.blockElements());
        }
        long size = Math.multiplyExact(dims[0] / type.blockElements(), (long) type.blockBytes());
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("negative dimension " + dims[i]);
            }
            size = Math.multiplyExact(size, dims[i]);
        }
        return size;
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Number of dimensions (1 to 4). */
    public int rank() {
        return dims.length;
    }

    /** The size of dimension {@code i}, 1 for {@code i >= rank()} as in ggml. */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** Product of all dimensions. */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d; // cannot overflow: checked by the constructor
        }
        return n;
    }

    /** Values per row: {@code dims[0]}. */
    public long rowLength() {
        return dims[0];
    }

    /** Number of rows: the product of {@code dims[1..]}. */
    public long rows() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Bytes taken by one row. */
    public long rowBytes() {
        return type.rowBytes(dims[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && Arrays.equals(dims, t.dims)
                && type == t.type && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(dims), type, offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
