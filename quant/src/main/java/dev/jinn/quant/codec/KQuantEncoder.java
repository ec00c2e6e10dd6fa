package dev.jinn.quant.codec;

import dev.jinn.quant.Float16;

/**
 * The part of {@code quantize_row_q4_K_ref} and {@code quantize_row_q5_K_ref} that the two share: per 32-value
 * sub-block a {@code make_qkx2_quants} search, 6-bit scales and mins relative to the largest, then the final levels
 * recomputed from the rounded scales. One instance per encode call (it holds scratch arrays); not thread-safe.
 */
final class KQuantEncoder {
    private final int nmax;
    private final float rmin;
    private final float rdelta;
    private final int nstep;

    /** f16 bits of the super-block scale and min. */
    short d;
    short dmin;
    /** The 12 packed scale/min bytes. */
    final byte[] scales = new byte[12];
    /** The 256 levels, each in [0, nmax]. */
    final byte[] levels = new byte[256];

    private final float[] weights = new float[32];
    private final float[] subScales = new float[8];
    private final float[] subMins = new float[8];
    private final float[] minOut = new float[1];
    private final byte[] laux = new byte[32];
    private final int[] ls = new int[8];
    private final int[] lm = new int[8];

    KQuantEncoder(int nmax, float rmin, float rdelta, int nstep) {
        this.nmax = nmax;
        this.rmin = rmin;
        this.rdelta = rdelta;
        this.nstep = nstep;
    }

    /** Quantizes the 256 values at {@code x[xOff..]} into {@link #d}, {@link #dmin}, {@link #scales}, {@link #levels}. */
    void quantize(float[] x, int xOff) {
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int base = xOff + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[base + l] * x[base + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[base + l]);
            }
            subScales[j] = KQuants.makeQkx2Quants(32, nmax, x, base, weights, levels, 32 * j, minOut, laux,
                    rmin, rdelta, nstep);
            subMins[j] = minOut[0];
            if (subScales[j] > maxScale) {
                maxScale = subScales[j];
            }
            if (subMins[j] > maxMin) {
                maxMin = subMins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.0f / maxScale : 0.0f;
        float invMin = maxMin > 0 ? 63.0f / maxMin : 0.0f;
        for (int j = 0; j < 8; j++) {
            // ggml stores nearest_int into a uint8_t before clamping to 63.
            ls[j] = Math.min(63, Blocks.nearestInt(invScale * subScales[j]) & 0xFF);
            lm[j] = Math.min(63, Blocks.nearestInt(invMin * subMins[j]) & 0xFF);
        }
        KQuants.packScalesMins(ls, lm, scales);
        d = Float16.fromFloat(maxScale / 63.0f);
        dmin = Float16.fromFloat(maxMin / 63.0f);

        float df = Float16.toFloat(d);
        float dminf = Float16.toFloat(dmin);
        for (int j = 0; j < 8; j++) {
            float dj = df * KQuants.scale(scales, j);
            if (dj == 0.0f) {
                continue; // ggml keeps the levels from the search
            }
            float dm = dminf * KQuants.min(scales, j);
            int base = xOff + 32 * j;
            for (int ii = 0; ii < 32; ii++) {
                int l = Blocks.nearestInt((x[base + ii] + dm) / dj);
                levels[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }
}
