package dev.jinn.quant.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static float[] values(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i - n / 2) * scale;
        }
        return v;
    }

    private Path writeSample(Path f) {
        try (SafetensorsWriter w = SafetensorsWriter.create(f)) {
            w.putMetadata("format", "pt");
            w.addTensor("model.embed_tokens.weight", SafetensorsDType.BF16, 6, 4);
            w.addTensor("model.norm.weight", SafetensorsDType.F32, 4);
            w.addTensor("h", SafetensorsDType.F16, 3);
            w.addTensor("ids", SafetensorsDType.I64, 2);
            w.writeTensor("model.embed_tokens.weight", values(24, 0.5f));
            w.writeTensor("model.norm.weight", new float[] {1f, 2f, -3.25f, 1e-20f});
            w.writeTensor("h", new float[] {1f, 65504f, 6.1035156e-5f / 4});
            w.writeTensor("ids", MemorySegment.ofArray(new long[] {7, 8}));
        }
        return f;
    }

    @Test
    void writtenFilesReadBackWithDecodedFloats() {
        Path f = writeSample(dir.resolve("m.safetensors"));
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.dataOffset() % 8).isZero();
            assertThat(s.metadata()).containsEntry("format", "pt");
            assertThat(s.tensors()).extracting(SafetensorsTensorInfo::name)
                    .containsExactly("model.embed_tokens.weight", "model.norm.weight", "h", "ids");
            SafetensorsTensorInfo e = s.requireTensor("model.embed_tokens.weight");
            assertThat(e.shape()).containsExactly(6, 4);
            assertThat(e.ggufDims()).containsExactly(4, 6);
            assertThat(e.byteSize()).isEqualTo(48);
            assertThat(s.readFloats(e)).containsExactly(values(24, 0.5f)); // multiples of 0.5 are exact in bf16
            float[] part = new float[4];
            s.readFloats(e, 8, part, 0, 4);
            assertThat(part).containsExactly(-2f, -1.5f, -1f, -0.5f);
            assertThat(s.readFloats(s.requireTensor("model.norm.weight"))).containsExactly(1f, 2f, -3.25f, 1e-20f);
            assertThat(s.readFloats(s.requireTensor("h"))).containsExactly(1f, 65504f, 6.1035156e-5f / 4);
            SafetensorsTensorInfo ids = s.requireTensor("ids");
            assertThat(s.data(ids).get(ValueLayout.JAVA_LONG_UNALIGNED, 8)).isEqualTo(8);
            assertThat(s.data(ids).isReadOnly()).isTrue();
            assertThatThrownBy(() -> s.readFloats(ids)).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageContaining("ids").hasMessageContaining("I64").hasMessageContaining("BF16");
            assertThatThrownBy(() -> s.requireTensor("nope")).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageContaining("nope").hasMessageContaining("m.safetensors");
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(SafetensorsWriter.toBf16(1f)).isEqualTo((short) 0x3f80);
        assertThat(SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3f808000))).isEqualTo((short) 0x3f80); // tie, even
        assertThat(SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3f818000))).isEqualTo((short) 0x3f82); // tie, up
        assertThat(SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3f808001))).isEqualTo((short) 0x3f81);
        assertThat(Float.isNaN(Float.intBitsToFloat(SafetensorsWriter.toBf16(Float.NaN) << 16))).isTrue();
    }

    @Test
    void closeSemantics() {
        Path f = writeSample(dir.resolve("c.safetensors"));
        SafetensorsFile s = SafetensorsFile.open(f);
        MemorySegment d = s.data(s.requireTensor("h"));
        s.close();
        s.close();
        assertThatThrownBy(s::tensors).isInstanceOf(IllegalStateException.class).hasMessageContaining("c.safetensors");
        assertThatThrownBy(() -> d.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shardedFolderWithIndex() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("model"));
        try (SafetensorsWriter w = SafetensorsWriter.create(folder.resolve("model-00001-of-00002.safetensors"))) {
            w.addTensor("a", SafetensorsDType.F32, 2).addTensor("b", SafetensorsDType.F32, 1);
            w.writeTensor("a", new float[] {1, 2});
            w.writeTensor("b", new float[] {3});
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(folder.resolve("model-00002-of-00002.safetensors"))) {
            w.addTensor("c", SafetensorsDType.BF16, 2);
            w.writeTensor("c", new float[] {4, 5});
        }
        Map<String, String> map = new LinkedHashMap<>();
        map.put("a", "model-00001-of-00002.safetensors");
        map.put("c", "model-00002-of-00002.safetensors");
        map.put("b", "model-00001-of-00002.safetensors");
        SafetensorsWriter.writeIndex(folder, map, 16);
        try (SafetensorsModel m = SafetensorsModel.open(folder)) {
            assertThat(m.shards()).hasSize(2);
            assertThat(m.tensors()).extracting(SafetensorsTensorInfo::name).containsExactly("a", "c", "b");
            float[] c = new float[2];
            m.readFloats(m.requireTensor("c"), 0, c, 0, 2);
            assertThat(c).containsExactly(4, 5);
            assertThat(m.data(m.requireTensor("b")).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isEqualTo(3f);
            assertThat(m.fileOf(m.requireTensor("c")).path().getFileName().toString())
                    .isEqualTo("model-00002-of-00002.safetensors");
            assertThat(m.tensor("zzz")).isEmpty();
        }
        // the index maps a tensor to a shard that lacks it
        map.put("d", "model-00002-of-00002.safetensors");
        SafetensorsWriter.writeIndex(folder, map, 16);
        assertThatThrownBy(() -> SafetensorsModel.open(folder)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("'d'").hasMessageContaining("does not hold it");
        map.remove("d");
        map.put("e", "../outside.safetensors");
        SafetensorsWriter.writeIndex(folder, map, 16);
        assertThatThrownBy(() -> SafetensorsModel.open(folder)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("not a plain file name");
        Files.writeString(folder.resolve(SafetensorsModel.INDEX_FILE), "{\"weight_map\": [1]}");
        assertThatThrownBy(() -> SafetensorsModel.open(folder)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("weight_map");
    }

    @Test
    void singleFileFolderAndEmptyFolder() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("one"));
        writeSample(folder.resolve("model.safetensors"));
        try (SafetensorsModel m = SafetensorsModel.open(folder)) {
            assertThat(m.tensors()).hasSize(4);
        }
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> SafetensorsModel.open(empty)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("model.safetensors.index.json");
    }

    // ---- hostile headers ----

    private Path raw(String header, int dataBytes) throws IOException {
        return raw(header.getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8).length, dataBytes);
    }

    private Path raw(byte[] header, long declaredLength, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Path f = Files.createTempFile(dir, "h", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static void rejects(Path f, String... fragments) {
        assertThatThrownBy(() -> SafetensorsFile.open(f).close()).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining(f.getFileName().toString())
                .hasMessageContainingAll(fragments);
    }

    @Test
    void hostileHeadersAreRejectedClearly() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        rejects(tiny, "too short");
        rejects(raw("{}".getBytes(StandardCharsets.UTF_8), 1L << 40, 0), "header length", "past the end");
        rejects(raw("{}".getBytes(StandardCharsets.UTF_8), -1, 0), "header length");
        rejects(raw("{\"a\":", 0), "not a JSON object");
        rejects(raw("[1,2]", 0), "not a JSON object");
        rejects(raw(new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'}, 7, 0), "UTF-8");
        rejects(raw("{\"t\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "'t'", "unknown dtype");
        rejects(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8), "'t'", "needs 8");
        rejects(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2), "'t'", "data section");
        rejects(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "shape[0]");
        rejects(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4),
                "overflows");
        rejects(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4), "data_offsets");
        rejects(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "data_offsets");
        rejects(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", 4), "shape");
        rejects(raw("{\"t\":[]}", 4), "'t'", "object");
        rejects(raw("{\"__metadata__\":{\"a\":1}}", 0), "__metadata__.a");
        rejects(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "'b'", "overlap", "'a'");
        // a good hand-made file still opens, extra whitespace padding included
        Path ok = raw("{\"t\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,2]}}   ", 2);
        try (SafetensorsFile s = SafetensorsFile.open(ok)) {
            assertThat(s.requireTensor("t").elementCount()).isEqualTo(1);
        }
    }
}
