package dev.jinn.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reading llama.cpp's reference outputs (the golden folder of the shared test data: raw little-endian float32
 * logits, token-id lists) and comparing logits rows, for any backend's golden tests.
 */
public final class GoldenFiles {
    private GoldenFiles() {}

    /** Token ids written as integers separated by commas or white space. */
    public static int[] ints(String text) {
        return Arrays.stream(text.trim().split("[,\\s]+")).mapToInt(Integer::parseInt).toArray();
    }

    /** A file of raw little-endian float32 values. */
    public static float[] floats(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length % 4 != 0) {
            throw new IOException(file + ": " + b.length + " bytes is not a whole number of float32 values");
        }
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /** Index (relative to {@code off}) of the largest of {@code v[off .. off+n)}; the first one on ties. */
    public static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /** How far the best of {@code v[off .. off+n)} lies above the second best (a near tie when small). */
    public static float secondGap(float[] v, int off, int n) {
        int best = argmax(v, off, n);
        float second = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (i != best) {
                second = Math.max(second, v[off + i]);
            }
        }
        return v[off + best] - second;
    }
}
