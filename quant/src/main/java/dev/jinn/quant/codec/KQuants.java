package dev.jinn.quant.codec;

import java.util.Arrays;

/**
 * The scale searches of ggml's K-quant reference quantizers ({@code make_qkx2_quants}, {@code make_qx_quants}) and
 * the 6-bit scale/min packing shared by Q4_K and Q5_K. Written in float32 in ggml's order of operations so that
 * the bytes match what {@code quantize_row_*_ref} writes. Not part of the API.
 */
final class KQuants {
    /** ggml's {@code GROUP_MAX_EPS}: a group whose largest magnitude is below this is treated as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuants() {
    }

    /**
     * ggml's {@code make_qkx2_quants} with {@code use_mad = false}: finds scale and min for {@code n} values so that
     * x ≈ scale·L − min with L in [0, nmax], minimising the weighted squared error over a sweep of
     * {@code nstep + 1} trial inverse scales.
     *
     * @param x       the values, from {@code xOff}
     * @param weights n weights
     * @param l       receives the n levels at {@code lOff}
     * @param minOut  receives the (non-negative) min at index 0
     * @param laux    scratch of n bytes
     * @return the scale
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xOff, float[] weights, byte[] l, int lOff,
            float[] minOut, byte[] laux, float rmin, float rdelta, int nstep) {
        float min = x[xOff];
        float max = x[xOff];
        float sumW = weights[0];
        float sumX = sumW * x[xOff];
        for (int i = 1; i < n; i++) {
            float xi = x[xOff + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                l[lOff + i] = 0;
            }
            minOut[0] = -min;
            return 0.0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int li = Blocks.nearestInt(iscale * (x[xOff + i] - min));
            li = Math.max(0, Math.min(nmax, li));
            l[lOff + i] = (byte) li;
            float diff = scale * li + min - x[xOff + i];
            diff = diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            minOut[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int li = Blocks.nearestInt(iscale * (x[xOff + i] - min));
                li = Math.max(0, Math.min(nmax, li));
                laux[i] = (byte) li;
                float w = weights[i];
                sumL += w * li;
                sumL2 += w * li * li;
                sumXL += w * li * x[xOff + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xOff + i];
                    diff = diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, l, lOff, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[0] = -min;
        return scale;
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights (weights x²): a symmetric
     * scale for {@code n} values with levels L in [0, 2·nmax) meaning L − nmax, refined over 18 trial scales.
     *
     * @param l receives the n levels (already offset by nmax) at {@code lOff}
     * @return the scale (negative when the value of largest magnitude is positive, as in ggml)
     */
    static float makeQxQuantsRmse1(int n, int nmax, float[] x, int xOff, byte[] l, int lOff) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xOff + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOff + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                l[lOff + i] = 0;
            }
            return 0.0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xOff + i];
            int li = Blocks.nearestInt(iscale * xi);
            li = Math.max(-nmax, Math.min(nmax - 1, li));
            l[lOff + i] = (byte) (li + nmax);
            float w = xi * xi;
            sumlx += w * xi * li;
            suml2 += w * li * li;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xOff + i];
                int li = Blocks.nearestInt(iscale * xi);
                li = Math.max(-nmax, Math.min(nmax - 1, li));
                float w = xi * xi;
                sumlx += w * xi * li;
                suml2 += w * li * li;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int li = Blocks.nearestInt(iscale * x[xOff + i]);
                    l[lOff + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, li)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * The 6-bit scale of sub-block {@code j} (0..7) from the 12 packed bytes at {@code scales} (ggml's
     * {@code get_scale_min_k4}, first output).
     */
    static int scale(byte[] s, int j) {
        return scale(s, 0, j);
    }

    /** As {@link #scale(byte[], int)} with the 12 bytes at {@code s[base..]}. */
    static int scale(byte[] s, int base, int j) {
        return j < 4 ? s[base + j] & 0x3F : (s[base + j + 4] & 0x0F) | (((s[base + j - 4] & 0xFF) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block {@code j} (0..7) (ggml's {@code get_scale_min_k4}, second output). */
    static int min(byte[] s, int j) {
        return min(s, 0, j);
    }

    /** As {@link #min(byte[], int)} with the 12 bytes at {@code s[base..]}. */
    static int min(byte[] s, int base, int j) {
        return j < 4 ? s[base + j + 4] & 0x3F
                : ((s[base + j + 4] & 0xFF) >>> 4) | (((s[base + j] & 0xFF) >>> 6) << 4);
    }

    /** Packs eight 6-bit scales and mins into 12 bytes as the decoder above unpacks them. */
    static void packScalesMins(int[] ls, int[] lm, byte[] s) {
        Arrays.fill(s, (byte) 0);
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                s[j] = (byte) ls[j];
                s[j + 4] = (byte) lm[j];
            } else {
                s[j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                s[j - 4] |= (byte) ((ls[j] >>> 4) << 6);
                s[j] |= (byte) ((lm[j] >>> 4) << 6);
            }
        }
    }
}
