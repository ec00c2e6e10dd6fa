package dev.jinn.quant.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a safetensors header.
 *
 * @param name  the Hugging Face name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype the element type
 * @param shape PyTorch order, slowest-varying first ({@code [out, in]} for a linear weight), row-major; the record
 *              keeps its own copy and returns copies. Empty for a scalar.
 * @param begin byte offset of the data from the start of the data section (byte {@code 8 + headerLength})
 * @param end   exclusive end offset; {@code end - begin == elementCount * dtype.byteSize()}
 */
public record SafetensorsTensorInfo(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    public SafetensorsTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(name + ": bad data offsets [" + begin + ", " + end + "]");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Product of the shape (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d; // checked against overflow when the header was read
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    /** The shape in GGUF order (fastest-varying first), as a GGUF tensor info of the same data would hold it. */
    public long[] ggufDims() {
        long[] d = new long[Math.max(1, shape.length)];
        Arrays.fill(d, 1);
        for (int i = 0; i < shape.length; i++) {
            d[i] = shape[shape.length - 1 - i];
        }
        return d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
