package dev.jinn.spi;

/**
 * A model weight as a backend holds it (a view of the mapped file for the CPU, a device copy for a GPU). Immutable,
 * thread-safe. A matrix of PyTorch shape [out, in] has {@code rows() == out} and {@code cols() == in}; vectors
 * (norm weights, biases) have one row.
 */
public interface WeightTensor {
    /** The tensor's name in the model file, e.g. {@code blk.0.attn_q.weight}. */
    String name();

    /** The ggml type id of its encoding (see {@link QuantCodec#ggmlType()}). */
    int ggmlType();

    int rows();

    int cols();
}
