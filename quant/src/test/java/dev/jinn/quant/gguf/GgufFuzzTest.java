package dev.jinn.quant.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutations of real GGUF files (the golden models and a vocab-only file): truncations, bit flips, random
 * bytes, huge values written over length and count fields, out-of-range type ids. Each mutant must parse or throw
 * {@link GgufFormatException}: never another exception, an out-of-memory error or a hang. Mutants are made in
 * place in a heap copy and restored, and parsed from memory, so the test does no disk I/O per case.
 */
class GgufFuzzTest {
    private static final long SEED = 0x6775_6766L;
    private static final long[] HUGE = {Long.MAX_VALUE, -1L, 1L << 32, 1L << 40, 1L << 62, 0xffff_ffffL,
        Integer.MAX_VALUE, 65536, 65535, 4096};

    /** One input file with the places worth hitting. */
    private record Target(String name, byte[] bytes, long dataOffset, long[] fieldOffsets) {}

    @Test
    void mutantsParseOrThrowGgufFormatException() throws IOException {
        List<Target> targets = new ArrayList<>();
        for (String f : List.of("golden-f16.gguf", "golden-q8_0.gguf", "golden-q4_k_m.gguf", "golden-q6_k.gguf")) {
            targets.add(target(GgufFileTest.GOLDEN.resolve(f)));
        }
        targets.add(target(GgufFileTest.VOCAB));
        int[] iterations = {2425, 2425, 2425, 2425, 300}; // the vocab file parses ~20x slower (100k strings)
        int[] outcomes = new int[2]; // parsed, rejected
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Random rnd = new Random(SEED);
            for (int t = 0; t < targets.size(); t++) {
                for (int i = 0; i < iterations[t]; i++) {
                    outcomes[mutateAndParse(targets.get(t), rnd, i) ? 0 : 1]++;
                }
            }
        });
        assertThat(outcomes[0] + outcomes[1]).isGreaterThanOrEqualTo(10_000);
        // The mutations must actually bite: most are rejected, some (e.g. flips inside strings) still parse.
        assertThat(outcomes[1]).isGreaterThan(5_000);
        assertThat(outcomes[0]).isGreaterThan(100);
    }

    private static Target target(Path p) throws IOException {
        byte[] bytes = Files.readAllBytes(p);
        try (GgufFile g = GgufFile.open(p)) {
            List<Long> fields = new ArrayList<>(List.of(4L, 8L, 16L));
            GgufMetadata m = g.metadata();
            for (String k : m.keys()) {
                long at = m.byteOffset(k);
                long keyLen = k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                fields.add(at);                    // key length
                fields.add(at + 8 + keyLen);       // value type
                fields.add(at + 12 + keyLen);      // string length, or array element type
                fields.add(at + 16 + keyLen);      // array count
                fields.add(at + 20 + keyLen);      // first array string length
            }
            return new Target(p.getFileName().toString(), bytes, g.dataOffset(),
                    fields.stream().mapToLong(Long::longValue).filter(x -> x + 8 <= bytes.length).toArray());
        }
    }

    /** Applies one seeded mutation, parses, restores. Returns true if the mutant parsed. */
    private static boolean mutateAndParse(Target t, Random rnd, int iteration) {
        byte[] b = t.bytes;
        int headerEnd = (int) Math.min(t.dataOffset, b.length);
        int kind = rnd.nextInt(6);
        long length = b.length;
        int at = 0;
        byte[] saved = null;
        String what;
        switch (kind) {
            case 0 -> { // truncation, mostly inside the header
                length = rnd.nextInt(10) < 8 ? rnd.nextInt(headerEnd + 64) : (long) (rnd.nextDouble() * b.length);
                length = Math.min(length, b.length);
                what = "truncated to " + length;
            }
            case 1 -> { // bit flips
                at = headerPosition(t, rnd, headerEnd);
                int n = 1 + rnd.nextInt(4);
                saved = save(b, at, 8);
                for (int k = 0; k < n; k++) {
                    int p = Math.min(b.length - 1, at + rnd.nextInt(8));
                    b[p] ^= (byte) (1 << rnd.nextInt(8));
                }
                what = n + " bit flips near " + at;
            }
            case 2 -> { // random bytes
                at = headerPosition(t, rnd, headerEnd);
                int n = 1 + rnd.nextInt(16);
                saved = save(b, at, n);
                for (int k = 0; k < n && at + k < b.length; k++) {
                    b[at + k] = (byte) rnd.nextInt(256);
                }
                what = n + " random bytes at " + at;
            }
            case 3 -> { // a huge or odd value over a known length/count/type field
                at = (int) t.fieldOffsets[rnd.nextInt(t.fieldOffsets.length)];
                long v = rnd.nextBoolean() ? HUGE[rnd.nextInt(HUGE.length)] : rnd.nextLong();
                saved = save(b, at, 8);
                putLong(b, at, v);
                what = "field at " + at + " := " + v;
            }
            case 4 -> { // small integers over a known field (type ids, short lengths)
                at = (int) t.fieldOffsets[rnd.nextInt(t.fieldOffsets.length)];
                int v = rnd.nextInt(48) - 4;
                saved = save(b, at, 4);
                putInt(b, at, v);
                what = "u32 at " + at + " := " + v;
            }
            default -> { // a huge value at a random place in the tensor infos (the end of the header)
                at = Math.max(0, headerEnd - 1 - rnd.nextInt(Math.min(headerEnd, 2048)));
                saved = save(b, at, 8);
                putLong(b, at, HUGE[rnd.nextInt(HUGE.length)]);
                what = "u64 at " + at + " in the tensor infos";
            }
        }
        try {
            MemorySegment seg = MemorySegment.ofArray(b).asSlice(0, length);
            GgufFile g = GgufFile.parse(seg, Path.of(t.name));
            exercise(g);
            return true;
        } catch (GgufFormatException expected) {
            assertThat(expected.getMessage()).contains(t.name);
            return false;
        } catch (Throwable e) {
            fail("%s mutant %d (%s) threw %s instead of GgufFormatException", t.name, iteration, what, e);
            return false;
        } finally {
            if (saved != null) {
                System.arraycopy(saved, 0, b, at, saved.length);
            }
        }
    }

    /** What a loader would do next: read every value and touch every tensor's bytes. */
    private static void exercise(GgufFile g) {
        GgufMetadata m = g.metadata();
        for (String k : m.keys()) {
            Object v = m.get(k);
            if (v instanceof List<?> list && !list.isEmpty()) {
                list.get(list.size() - 1);
            }
        }
        for (GgufTensorInfo t : g.tensors()) {
            MemorySegment d = g.data(t);
            if (d.byteSize() > 0) {
                d.get(ValueLayout.JAVA_BYTE, 0);
                d.get(ValueLayout.JAVA_BYTE, d.byteSize() - 1);
            }
        }
    }

    private static int headerPosition(Target t, Random rnd, int headerEnd) {
        return rnd.nextInt(10) < 9 ? rnd.nextInt(Math.max(1, headerEnd)) : rnd.nextInt(t.bytes.length);
    }

    private static byte[] save(byte[] b, int at, int n) {
        byte[] s = new byte[Math.max(0, Math.min(n, b.length - at))];
        System.arraycopy(b, at, s, 0, s.length);
        return s;
    }

    private static void putLong(byte[] b, int at, long v) {
        ByteBuffer bb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        System.arraycopy(bb.array(), 0, b, at, Math.min(8, b.length - at));
    }

    private static void putInt(byte[] b, int at, int v) {
        ByteBuffer bb = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v);
        System.arraycopy(bb.array(), 0, b, at, Math.min(4, b.length - at));
    }
}
