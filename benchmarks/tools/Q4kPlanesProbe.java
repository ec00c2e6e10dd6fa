/*
 * Probe of a table-lookup decode for Q4_K (bit planes, T-MAC style), kept as a measurement, not as a Jinn kernel.
 * Development aid only: nothing in Jinn loads it.
 *
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED [-Dlayout=mono|split] \
 *        [-Dhuge=true] benchmarks/tools/Q4kPlanesProbe.java COLS ROWS [BLOCKS_PER_CALL]
 *
 * Random Q4_K rows (ROWS a multiple of 64, COLS of 256) are repacked per 64 rows and super-block into a 9728-byte
 * chunk: for each sub-block j and group k of four columns one int16 word per row whose bits 4b..4b+3 are bit b of the
 * four weights, the scales and mins as bytes (see SPLIT for where), then d, dmin as floats. Per token, each group's
 * sixteen subset sums of its four int8 activations form a table (32 int16 lanes, the sixteen twice); a row's sum over
 * the group's columns for bit plane b is one lane of a two-table permute (vpermi2w) indexed by that plane's four bits.
 * The four planes' int16 sums are combined as p0 + 2 p1 + 4 p2 + 8 p3 - 8 bsum (the sub-block's sum of (q - 8) a,
 * inside int16), widened and scaled as ggml does. It checks the result against exact integer sums and prints GB/s of
 * the Q4_K bytes the same rows take (144 per super-block) and cycles per row and super-block at 3.67 GHz. With
 * -Dhuge=true the copy is fresh anonymous memory advised to 2 MiB pages before its first write.
 *
 * Measured 2026-11-30 (EPYC Zen 4, family 25 model 17, one core): on 1 MB of rows (hot) 23-28 cycles per
 * super-block-row at 1536, 5120 and 13824 columns, against 37-43 for VectorKernels.dotsQ4K (some runs compile the
 * kernel badly and print several times that: rerun). On 200 MB (DRAM), 5120 columns: 14.3-14.9 GB/s with the default
 * layout, 6.9-7.5 with -Dlayout=split, where dotsQ4K streams 12.4-12.6; huge pages or not made no difference. The
 * wired-in version and what it gave end to end: docs/DESIGN.md (runtime-cpu) and the branch experiment/q4k-planes.
 */
import jdk.incubator.vector.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

public class Q4kPlanesProbe {
    static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int CH = 9728; // bytes per 64 rows x one super-block
    /**
     * Where sub-block j's planes, scales and mins lie in a chunk. "mono" (the default): 1152 bytes a sub-block, its
     * planes, then its 64 scales and 64 mins, so the kernel reads the chunk in address order. "split": all planes
     * first (1024 bytes a sub-block), then all scales, then all mins, so it reads three places of the chunk in turn.
     */
    static final boolean SPLIT = "split".equals(System.getProperty("layout", "mono"));

    static long planes(int j) {
        return SPLIT ? 1024L * j : 1152L * j;
    }

    static long scales(int j) {
        return SPLIT ? 8192 + 64L * j : 1152L * j + 1024;
    }

    static long mins(int j) {
        return SPLIT ? 8704 + 64L * j : 1152L * j + 1088;
    }

    static final ValueLayout.OfFloat LEF = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    public static void main(String[] args) {
        if (args.length < 2 || !args[0].matches("\\d{3,6}") || !args[1].matches("\\d{2,6}")
                || Integer.parseInt(args[0]) % 256 != 0 || Integer.parseInt(args[1]) % 64 != 0
                || args.length > 2 && !args[2].matches("[1-9]\\d{0,3}")) {
            System.err.println("usage: Q4kPlanesProbe COLS ROWS [BLOCKS_PER_CALL]  (COLS a multiple of 256, ROWS of 64;"
                    + " -Dlayout=mono|split, -Dhuge=true)");
            System.exit(1);
        }
        int cols = Integer.parseInt(args[0]);
        int rows = Integer.parseInt(args[1]);
        int nsb = cols / 256;
        SplittableRandom r = new SplittableRandom(7);
        int[][] q = new int[rows][cols];
        int[][] sc = new int[rows][cols / 32];
        int[][] mn = new int[rows][cols / 32];
        float[][] d = new float[rows][nsb], dmin = new float[rows][nsb];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < cols; c++) q[i][c] = r.nextInt(16);
            for (int j = 0; j < cols / 32; j++) { sc[i][j] = r.nextInt(64); mn[i][j] = r.nextInt(64); }
            for (int s = 0; s < nsb; s++) { d[i][s] = 0.001f + r.nextFloat() * 0.01f; dmin[i][s] = 0.001f + r.nextFloat() * 0.01f; }
        }
        byte[] a = new byte[cols];
        for (int c = 0; c < cols; c++) a[c] = (byte) (r.nextInt(255) - 127);
        float[] d8 = new float[nsb];
        for (int s = 0; s < nsb; s++) d8[s] = 0.01f + r.nextFloat() * 0.01f;
        int[] bsum = new int[cols / 32];
        for (int j = 0; j < cols / 32; j++) { int t = 0; for (int i = 0; i < 32; i++) t += a[32 * j + i]; bsum[j] = t; }
        double[] ref = new double[rows];
        for (int i = 0; i < rows; i++) {
            double tot = 0;
            for (int s = 0; s < nsb; s++) {
                long isum = 0, msum = 0;
                for (int j = 8 * s; j < 8 * s + 8; j++) {
                    long ss = 0;
                    for (int c = 32 * j; c < 32 * j + 32; c++) ss += q[i][c] * a[c];
                    isum += ss * sc[i][j];
                    msum += (long) mn[i][j] * bsum[j];
                }
                tot += d8[s] * (d[i][s] * isum - dmin[i][s] * msum);
            }
            ref[i] = tot;
        }
        int blocks = rows / 64;
        MemorySegment seg;
        if (Boolean.getBoolean("huge")) try {
            // fresh anonymous pages, advised before the first write (Arena.allocate zeroes its memory, so advice given
            // after it finds the 4 KiB pages already there)
            Linker linker = Linker.nativeLinker();
            var mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").get(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            var madvise = linker.downcallHandle(linker.defaultLookup().find("madvise").get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT));
            long size = (long) blocks * nsb * CH, pad = 2 << 20;
            // PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
            MemorySegment raw = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, size + pad, 3, 0x22, -1, 0L))
                    .reinterpret(size + pad);
            if (raw.address() == -1L) throw new IllegalStateException("mmap of " + (size + pad) + " bytes failed");
            long skip = (pad - raw.address() % pad) % pad;
            seg = raw.asSlice(skip, size);
            System.out.println("madvise " + (int) madvise.invokeExact(raw, size + pad, 14));
        } catch (Throwable e) { throw new RuntimeException(e); }
        else seg = Arena.global().allocate((long) blocks * nsb * CH, 2 << 20);
        for (int B = 0; B < blocks; B++) for (int s = 0; s < nsb; s++) {
            long co = (long) (B * nsb + s) * CH;
            for (int j = 0; j < 8; j++) for (int k = 0; k < 8; k++) for (int l = 0; l < 64; l++) {
                int row = 64 * B + l; int c0 = 256 * s + 32 * j + 4 * k;
                int w = 0;
                for (int b = 0; b < 4; b++) { int p = 0; for (int i = 0; i < 4; i++) p |= ((q[row][c0 + i] >> b) & 1) << i; w |= p << (4 * b); }
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE), co + planes(j) + k * 128 + 2 * l, (short) w);
            }
            for (int j = 0; j < 8; j++) for (int l = 0; l < 64; l++) {
                seg.set(ValueLayout.JAVA_BYTE, co + scales(j) + l, (byte) sc[64 * B + l][8 * s + j]);
                seg.set(ValueLayout.JAVA_BYTE, co + mins(j) + l, (byte) mn[64 * B + l][8 * s + j]);
            }
            for (int l = 0; l < 64; l++) {
                seg.set(LEF, co + 9216 + 4 * l, d[64 * B + l][s]);
                seg.set(LEF, co + 9472 + 4 * l, dmin[64 * B + l][s]);
            }
        }
        short[] lut = new short[cols / 4 * 32];
        for (int g = 0; g < cols / 4; g++) for (int p = 0; p < 16; p++) {
            int e = 0; for (int i = 0; i < 4; i++) if ((p >> i & 1) != 0) e += a[4 * g + i];
            lut[32 * g + p] = (short) e; lut[32 * g + 16 + p] = (short) e;
        }
        float[] out = new float[rows];
        for (int wu = 0; wu < 20000; wu++) rowsKernel(seg, 0, 1, lut, bsum, d8, 256, out, 0);
        rowsKernel(seg, 0, blocks, lut, bsum, d8, cols, out, 0);
        double err = 0, mag = 0;
        for (int i = 0; i < rows; i++) { err = Math.max(err, Math.abs(out[i] - ref[i])); mag = Math.max(mag, Math.abs(ref[i])); }
        System.out.printf("max err %.3g of max %.3g%n", err, mag);
        long bytesQ4K = (long) rows * nsb * 144;
        int per = Integer.parseInt(args.length > 2 ? args[2] : "2"); // blocks per call
        for (int rep = 0; rep < 8; rep++) {
            long t0 = System.nanoTime(); long n = 0;
            while (System.nanoTime() - t0 < 1_000_000_000L) {
                for (int B = 0; B < blocks; B += per) rowsKernel(seg, (long) B * nsb * CH, Math.min(per, blocks - B), lut, bsum, d8, cols, out, 64 * B);
                n++;
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%d cols: %.2f GB/s (Q4_K bytes), %.1f cycles/superblock-row%n", cols, n * bytesQ4K / sec / 1e9, sec / n / (rows * (double) nsb) * 3.67e9);
        }
    }

    static void rowsKernel(MemorySegment w, long off, int blocks, short[] lut, int[] bsum, float[] d8, int cols, float[] out, int outOff) {
        int nsb = cols / 256;
        ShortVector sh4 = ShortVector.broadcast(S512, (short) 4);
        ShortVector sh8 = ShortVector.broadcast(S512, (short) 8);
        ShortVector sh12 = ShortVector.broadcast(S512, (short) 12);
        for (int B = 0; B < blocks; B++) {
            FloatVector f0 = FloatVector.zero(F512), f1 = f0, f2 = f0, f3 = f0;
            for (int s = 0; s < nsb; s++) {
                long co = off + (long) (B * nsb + s) * CH;
                IntVector i0 = IntVector.zero(I512), i1 = i0, i2 = i0, i3 = i0;
                IntVector m0 = i0, m1 = i0, m2 = i0, m3 = i0;
                for (int j = 0; j < 8; j++) {
                    ShortVector p0 = ShortVector.zero(S512), p1 = p0, p2 = p0, p3 = p0;
                    ShortVector q0 = p0, q1 = p0, q2 = p0, q3 = p0;
                    long wo = co + planes(j);
                    int g = 32 * (64 * s + 8 * j);
                    for (int k = 0; k < 8; k++) {
                        ShortVector W0 = ShortVector.fromMemorySegment(S512, w, wo + 128 * k, LE);
                        ShortVector W1 = ShortVector.fromMemorySegment(S512, w, wo + 128 * k + 64, LE);
                        ShortVector T = ShortVector.fromArray(S512, lut, g + 32 * k);
                        p0 = p0.add(W0.selectFrom(T, T));
                        q0 = q0.add(W1.selectFrom(T, T));
                        p1 = p1.add(W0.lanewise(VectorOperators.LSHR, sh4).selectFrom(T, T));
                        q1 = q1.add(W1.lanewise(VectorOperators.LSHR, sh4).selectFrom(T, T));
                        p2 = p2.add(W0.lanewise(VectorOperators.LSHR, sh8).selectFrom(T, T));
                        q2 = q2.add(W1.lanewise(VectorOperators.LSHR, sh8).selectFrom(T, T));
                        p3 = p3.add(W0.lanewise(VectorOperators.LSHR, sh12).selectFrom(T, T));
                        q3 = q3.add(W1.lanewise(VectorOperators.LSHR, sh12).selectFrom(T, T));
                    }
                    int bs = bsum[8 * s + j];
                    ShortVector nb = ShortVector.broadcast(S512, (short) (-8 * bs));
                    // S' = p0 + 2 p1 + 4 p2 + 8 p3 - 8 bsum, exact mod 2^16 and within int16
                    ShortVector x0 = p3.add(p3).add(p2).lanewise(VectorOperators.LSHL, 2).add(p1.add(p1)).add(p0).add(nb);
                    ShortVector x1 = q3.add(q3).add(q2).lanewise(VectorOperators.LSHL, 2).add(q1.add(q1)).add(q0).add(nb);
                    IntVector eb = IntVector.broadcast(I512, 8 * bs);
                    IntVector bv = IntVector.broadcast(I512, bs);
                    long so = co + scales(j);
                    long mo = co + mins(j);
                    i0 = i0.add(((IntVector) x0.convert(VectorOperators.S2I, 0)).add(eb)
                            .mul((IntVector) ByteVector.fromMemorySegment(B128, w, so, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                    i1 = i1.add(((IntVector) x0.convert(VectorOperators.S2I, 1)).add(eb)
                            .mul((IntVector) ByteVector.fromMemorySegment(B128, w, so + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                    i2 = i2.add(((IntVector) x1.convert(VectorOperators.S2I, 0)).add(eb)
                            .mul((IntVector) ByteVector.fromMemorySegment(B128, w, so + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                    i3 = i3.add(((IntVector) x1.convert(VectorOperators.S2I, 1)).add(eb)
                            .mul((IntVector) ByteVector.fromMemorySegment(B128, w, so + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                    m0 = m0.add(bv.mul((IntVector) ByteVector.fromMemorySegment(B128, w, mo, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                    m1 = m1.add(bv.mul((IntVector) ByteVector.fromMemorySegment(B128, w, mo + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                    m2 = m2.add(bv.mul((IntVector) ByteVector.fromMemorySegment(B128, w, mo + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                    m3 = m3.add(bv.mul((IntVector) ByteVector.fromMemorySegment(B128, w, mo + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0)));
                }
                FloatVector x = FloatVector.broadcast(F512, d8[s]);
                long dd = co + 9216, dm = co + 9472;
                f0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dd, LE))
                        .sub(((FloatVector) m0.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dm, LE))).fma(x, f0);
                f1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dd + 64, LE))
                        .sub(((FloatVector) m1.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dm + 64, LE))).fma(x, f1);
                f2 = ((FloatVector) i2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dd + 128, LE))
                        .sub(((FloatVector) m2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dm + 128, LE))).fma(x, f2);
                f3 = ((FloatVector) i3.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dd + 192, LE))
                        .sub(((FloatVector) m3.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F512, w, dm + 192, LE))).fma(x, f3);
            }
            int o = outOff + 64 * B;
            f0.intoArray(out, o);
            f1.intoArray(out, o + 16);
            f2.intoArray(out, o + 32);
            f3.intoArray(out, o + 48);
        }
    }
}
