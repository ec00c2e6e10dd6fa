package dev.jinn.quant.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations (truncations, bit flips, random bytes, digits changed inside the JSON header) of a small
 * safetensors file: each mutant opens or throws {@link SafetensorsFormatException}, nothing else.
 */
class SafetensorsFuzzTest {
    @Test
    void mutantsOpenOrThrowSafetensorsFormatException(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(f)) {
            w.putMetadata("format", "pt");
            w.addTensor("model.embed_tokens.weight", SafetensorsDType.BF16, 16, 8);
            w.addTensor("model.norm.weight", SafetensorsDType.F32, 8);
            w.addTensor("model.layers.0.self_attn.q_proj.bias", SafetensorsDType.F16, 8);
            w.addTensor("ids", SafetensorsDType.I64, 3);
            w.writeTensor("model.embed_tokens.weight", new float[128]);
            w.writeTensor("model.norm.weight", new float[8]);
            w.writeTensor("model.layers.0.self_attn.q_proj.bias", new float[8]);
            w.writeTensor("ids", MemorySegment.ofArray(new byte[24]));
        }
        byte[] b = Files.readAllBytes(f);
        int headerEnd;
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            headerEnd = (int) s.dataOffset();
        }
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Random rnd = new Random(0x5afe);
            for (int i = 0; i < 5000; i++) {
                byte[] m = b.clone();
                int len = m.length;
                String what;
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        len = rnd.nextInt(m.length);
                        what = "truncated to " + len;
                    }
                    case 1 -> {
                        int at = rnd.nextInt(headerEnd);
                        m[at] ^= (byte) (1 << rnd.nextInt(8));
                        what = "bit flip at " + at;
                    }
                    case 2 -> {
                        int at = rnd.nextInt(headerEnd);
                        m[at] = (byte) rnd.nextInt(256);
                        what = "random byte at " + at;
                    }
                    default -> {
                        int at = 8 + rnd.nextInt(headerEnd - 8);
                        while (at < headerEnd && !Character.isDigit(m[at])) {
                            at++;
                        }
                        if (at < headerEnd) {
                            m[at] = (byte) ('0' + rnd.nextInt(10));
                        }
                        what = "digit changed at " + at;
                    }
                }
                try {
                    SafetensorsFile s = SafetensorsFile.parse(MemorySegment.ofArray(m).asSlice(0, len),
                            Path.of("fuzz.safetensors"), null);
                    for (SafetensorsTensorInfo t : s.tensors()) {
                        if (t.dtype().isDecodable() && t.elementCount() < 1_000_000) {
                            s.readFloats(t);
                        } else {
                            s.data(t);
                        }
                    }
                    outcomes[0]++;
                } catch (SafetensorsFormatException expected) {
                    outcomes[1]++;
                } catch (Throwable e) {
                    fail("mutant %d (%s) threw %s", i, what, e);
                }
            }
        });
        assertThat(outcomes[1]).isGreaterThan(1000);
        assertThat(outcomes[0]).isGreaterThan(10);
    }
}
