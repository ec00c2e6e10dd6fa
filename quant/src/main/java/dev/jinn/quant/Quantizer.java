package dev.jinn.quant;

import dev.jinn.JinnException;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Converts tensors between ggml encodings row by row with the codecs' reference decoders and encoders: F32, F16 or
 * BF16 (or any decodable type) into Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, F16, BF16 or F32, as llama-quantize does without
 * an importance matrix. Memory use is bounded by one row of floats, whatever the tensor's size.
 *
 * <p>Element ranges: {@link #decodeElements} decodes part of a tensor, checking that the range starts and ends on
 * block boundaries and lies inside the tensor's bytes.
 *
 * <p>Stateless and thread-safe; calls on disjoint destinations may run concurrently.
 */
public final class Quantizer {
    /** The largest float[] Jinn allocates for one tensor (the JVM's practical array limit). */
    public static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

    private Quantizer() {
    }

    /** Bytes taken by {@code rows} rows of {@code rowLength} values of {@code type}. */
    public static long byteSize(GgmlType type, long rowLength, long rows) {
        long rowBytes = type.rowBytes(rowLength);
        if (rowBytes < 0 || rows < 0) {
            throw new IllegalArgumentException(type + ": rows of " + rowLength
                    + " values are not a whole number of blocks of " + type.blockElements()
                    + (rows < 0 ? ", and " + rows + " rows is negative" : ""));
        }
        return Math.multiplyExact(rowBytes, rows);
    }

    /**
     * Re-encodes a {@code rows × rowLength} tensor from {@code from} into {@code to}.
     *
     * @param src the tensor's bytes in {@code from}; at least {@code byteSize(from, rowLength, rows)} long
     * @param dst receives {@code byteSize(to, rowLength, rows)} bytes from offset 0
     * @throws JinnException             if either type has no codec
     * @throws IllegalArgumentException  if {@code rowLength} is not a whole number of blocks of either type
     * @throws IndexOutOfBoundsException if {@code src} or {@code dst} is too short
     */
    public static void convert(GgmlType from, MemorySegment src, GgmlType to, MemorySegment dst, long rowLength,
            long rows) {
        convert(from, src, to, dst, rowLength, rows, 1);
    }

    /**
     * As {@link #convert(GgmlType, MemorySegment, GgmlType, MemorySegment, long, long)}, splitting the rows into
     * {@code threads} contiguous ranges converted on that many threads (quantizing is compute-bound: Q4_K's scale
     * search costs far more than reading the source). The output is the same for any thread count. With more than
     * one thread, {@code src} and {@code dst} must be accessible from any thread (a shared, global or automatic
     * arena, or a heap segment); the call returns when every row is written.
     *
     * @throws IllegalArgumentException if {@code threads} is below 1, or as the single-threaded form
     */
    public static void convert(GgmlType from, MemorySegment src, GgmlType to, MemorySegment dst, long rowLength,
            long rows, int threads) {
        QuantCodec decoder = QuantCodecs.require(from);
        QuantCodec encoder = QuantCodecs.require(to);
        long srcBytes = byteSize(from, rowLength, rows);
        long dstBytes = byteSize(to, rowLength, rows);
        if (rowLength > MAX_ARRAY_ELEMENTS) {
            throw new IllegalArgumentException("rows of " + rowLength + " values are longer than a Java array");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        requireBytes("source", src, srcBytes, from, rowLength, rows);
        requireBytes("destination", dst, dstBytes, to, rowLength, rows);
        int workers = (int) Math.min(threads, Math.max(1, rows));
        if (workers == 1) {
            convertRows(decoder, src, encoder, dst, (int) rowLength, 0, rows);
            return;
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "jinn-quantizer");
            t.setDaemon(true);
            return t;
        })) {
            List<Future<?>> parts = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                long first = rows * w / workers;
                long end = rows * (w + 1) / workers;
                parts.add(pool.submit(() -> convertRows(decoder, src, encoder, dst, (int) rowLength, first, end)));
            }
            for (Future<?> part : parts) {
                try {
                    part.get();
                } catch (ExecutionException e) {
                    parts.forEach(p -> p.cancel(true));
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new JinnException("quantizing " + rows + " rows of " + rowLength + " " + from + " values to "
                            + to + " failed", e.getCause());
                } catch (InterruptedException e) {
                    parts.forEach(p -> p.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new JinnException("interrupted while quantizing to " + to, e);
                }
            }
        }
    }

    private static void convertRows(QuantCodec decoder, MemorySegment src, QuantCodec encoder, MemorySegment dst,
            int n, long first, long end) {
        float[] row = new float[n];
        long srcRow = decoder.byteSize(n);
        long dstRow = encoder.byteSize(n);
        for (long r = first; r < end; r++) {
            decoder.decode(src, r * srcRow, row, 0, n);
            encoder.encode(row, 0, dst, r * dstRow, n);
        }
    }

    /**
     * Decodes elements {@code [first, first + count)} of a tensor of {@code type} whose bytes start at offset 0 of
     * {@code data}.
     *
     * @throws IllegalArgumentException  if {@code first} or {@code count} is negative or not on a block boundary
     * @throws IndexOutOfBoundsException if the range lies past the end of {@code data} or of {@code dst}
     */
    public static void decodeElements(GgmlType type, MemorySegment data, long first, float[] dst, int dstOffset,
            int count) {
        QuantCodec codec = QuantCodecs.require(type);
        int be = codec.blockElements();
        if (first < 0 || count < 0 || first % be != 0 || count % be != 0) {
            throw new IllegalArgumentException(type + ": element range [" + first + ", " + (first + count)
                    + ") does not start and end on a block boundary (blocks of " + be + " values)");
        }
        long offset = first / be * codec.blockBytes();
        long bytes = (long) count / be * codec.blockBytes();
        if (offset + bytes > data.byteSize()) {
            throw new IndexOutOfBoundsException(type + ": element range [" + first + ", " + (first + count)
                    + ") needs tensor bytes [" + offset + ", " + (offset + bytes) + ") but the tensor data holds "
                    + data.byteSize() + " bytes");
        }
        codec.decode(data, offset, dst, dstOffset, count);
    }

    /**
     * Decodes a whole tensor of {@code elements} values into a new array; {@code data} must hold exactly its bytes.
     *
     * @throws IllegalArgumentException if the element count is not a whole number of blocks, does not match the
     *                                  data's size, or is too large for one Java array (instead of running out of
     *                                  memory)
     */
    public static float[] decodeAll(GgmlType type, MemorySegment data, long elements) {
        QuantCodec codec = QuantCodecs.require(type);
        long expected = codec.byteSize(elements);
        if (expected != data.byteSize()) {
            throw new IllegalArgumentException(type + ": " + elements + " values take " + expected
                    + " bytes but the tensor data holds " + data.byteSize() + " bytes");
        }
        if (elements > MAX_ARRAY_ELEMENTS) {
            throw new IllegalArgumentException(type + ": " + elements
                    + " values do not fit in one float array; decode the tensor in ranges with decodeElements");
        }
        float[] out = new float[(int) elements];
        codec.decode(data, 0, out, 0, out.length);
        return out;
    }

    private static void requireBytes(String what, MemorySegment s, long needed, GgmlType type, long rowLength,
            long rows) {
        if (s.byteSize() < needed) {
            throw new IndexOutOfBoundsException(what + " holds " + s.byteSize() + " bytes but " + rows + " rows of "
                    + rowLength + " " + type + " values need " + needed);
        }
    }
}
