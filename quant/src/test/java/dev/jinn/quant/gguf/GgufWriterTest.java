package dev.jinn.quant.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.quant.GgmlType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void everyValueTypeRoundTrips() {
        Path f = dir.resolve("kv.gguf");
        try (GgufWriter w = GgufWriter.create(f)) {
            w.putUInt8("u8", 250).putInt8("i8", (byte) -5).putUInt16("u16", 65000).putInt16("i16", (short) -300)
                    .putUInt32("u32", 4_000_000_000L).putInt32("i32", -7).putUInt64("u64", -1L)
                    .putInt64("i64", Long.MIN_VALUE).putFloat32("f32", 1.5f).putFloat64("f64", Math.PI)
                    .putBool("t", true).putBool("f", false).putString("s", "héllo ｜▁ 😀").putString("empty", "")
                    .putStringArray("sa", List.of("a", "", "ĠĠ", "<｜User｜>"))
                    .putByteArray("u8a", GgufValueType.UINT8, new byte[] {1, (byte) 200})
                    .putByteArray("i8a", GgufValueType.INT8, new byte[] {-1, 2})
                    .putShortArray("u16a", GgufValueType.UINT16, new short[] {(short) 60000})
                    .putShortArray("i16a", GgufValueType.INT16, new short[] {-2, 3})
                    .putIntArray("u32a", GgufValueType.UINT32, new int[] {7, 8})
                    .putInt32Array("i32a", new int[] {-1, 0, 1})
                    .putLongArray("u64a", GgufValueType.UINT64, new long[] {5})
                    .putLongArray("i64a", GgufValueType.INT64, new long[] {-5, 6})
                    .putFloat32Array("f32a", new float[] {0.25f, -1f})
                    .putFloat64Array("f64a", new double[] {1e300})
                    .putBoolArray("ba", new boolean[] {true, false, true})
                    .putArray("nested", new GgufWriter.Array(GgufValueType.ARRAY, List.of(
                            new GgufWriter.Array(GgufValueType.INT32, List.of(1, 2)),
                            new GgufWriter.Array(GgufValueType.STRING, List.of("x")),
                            new GgufWriter.Array(GgufValueType.ARRAY, List.of(
                                    new GgufWriter.Array(GgufValueType.FLOAT32, List.of(3f)))))))
                    .putArray("emptyArr", new GgufWriter.Array(GgufValueType.UINT64, List.of()));
        }
        try (GgufFile g = GgufFile.open(f)) {
            GgufMetadata m = g.metadata();
            assertThat(m.keys()).startsWith("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32");
            assertThat(m.getInt("u8")).isEqualTo(250);
            assertThat(m.typeOf("u8")).isEqualTo(GgufValueType.UINT8);
            assertThat(m.get("u8")).isEqualTo((byte) 250);
            assertThat(m.getInt("i8")).isEqualTo(-5);
            assertThat(m.getInt("u16")).isEqualTo(65000);
            assertThat(m.getInt("i16")).isEqualTo(-300);
            assertThat(m.getLong("u32")).isEqualTo(4_000_000_000L);
            assertThatThrownBy(() -> m.getInt("u32")).isInstanceOf(GgufFormatException.class)
                    .hasMessageContaining("u32").hasMessageContaining("4000000000");
            assertThat(m.getInt("i32")).isEqualTo(-7);
            assertThat(m.get("u64")).isEqualTo(-1L);
            assertThatThrownBy(() -> m.getLong("u64")).isInstanceOf(GgufFormatException.class)
                    .hasMessageContaining("18446744073709551615");
            assertThat(m.getLong("i64")).isEqualTo(Long.MIN_VALUE);
            assertThat(m.getFloat("f32")).isEqualTo(1.5f);
            assertThat(m.getDouble("f64")).isEqualTo(Math.PI);
            assertThat(m.getFloat("f64")).isEqualTo((float) Math.PI);
            assertThat(m.getBoolean("t")).isTrue();
            assertThat(m.getBoolean("f")).isFalse();
            assertThat(m.getString("s")).isEqualTo("héllo ｜▁ 😀");
            assertThat(m.getString("empty")).isEmpty();
            assertThat(m.getStringList("sa")).containsExactly("a", "", "ĠĠ", "<｜User｜>");
            assertThat(m.getIntArray("u8a")).containsExactly(1, 200);
            assertThat(m.getIntArray("i8a")).containsExactly(-1, 2);
            assertThat(m.getIntArray("u16a")).containsExactly(60000);
            assertThat(m.getIntArray("i16a")).containsExactly(-2, 3);
            assertThat(m.getIntArray("u32a")).containsExactly(7, 8);
            assertThat(m.getIntArray("i32a")).containsExactly(-1, 0, 1);
            assertThat(m.getLongArray("u64a")).containsExactly(5);
            assertThat(m.getLongArray("i64a")).containsExactly(-5, 6);
            assertThat(m.getFloatArray("f32a")).containsExactly(0.25f, -1f);
            assertThat(m.getFloatArray("f64a")).containsExactly((float) 1e300);
            assertThat(m.get("ba")).isEqualTo(List.of(true, false, true));
            assertThat(m.arrayElementType("nested")).isEqualTo(GgufValueType.ARRAY);
            assertThat(m.get("nested")).isEqualTo(List.of(List.of(1, 2), List.of("x"), List.of(List.of(3f))));
            assertThat(m.arrayLength("emptyArr")).isZero();
            assertThat(g.tensors()).isEmpty();
        }
    }

    @Test
    void tensorsRoundTripWithACustomAlignment() throws IOException {
        Path f = dir.resolve("t.gguf");
        Random rnd = new Random(1);
        byte[] a = new byte[(int) GgufTensorInfo.byteSizeOf(GgmlType.F32, 10, 3)];
        byte[] b = new byte[(int) GgufTensorInfo.byteSizeOf(GgmlType.Q4_K, 512, 2)];
        byte[] c = new byte[(int) GgufTensorInfo.byteSizeOf(GgmlType.Q8_0, 32, 1, 1, 3)];
        rnd.nextBytes(a);
        rnd.nextBytes(b);
        rnd.nextBytes(c);
        try (GgufWriter w = GgufWriter.create(f)) {
            w.setAlignment(64);
            w.putString("general.architecture", "test");
            assertThat(w.addTensor("a", GgmlType.F32, 10, 3).offset()).isZero();
            assertThat(w.addTensor("b", GgmlType.Q4_K, 512, 2).offset()).isEqualTo(128); // 120 rounded up to 64
            w.addTensor("c", GgmlType.Q8_0, 32, 1, 1, 3);
            w.writeTensor("a", a);
            // b in small pieces through the channel
            try (WritableByteChannel ch = w.beginTensor("b")) {
                for (int off = 0; off < b.length; off += 100) {
                    ch.write(ByteBuffer.wrap(b, off, Math.min(100, b.length - off)));
                }
            }
            w.writeTensor("c", MemorySegment.ofArray(c));
        }
        try (GgufFile g = GgufFile.open(f)) {
            assertThat(g.alignment()).isEqualTo(64);
            assertThat(g.metadata().getInt("general.alignment")).isEqualTo(64);
            assertThat(g.dataOffset() % 64).isZero();
            assertThat(g.tensors()).extracting(GgufTensorInfo::name).containsExactly("a", "b", "c");
            assertThat(g.requireTensor("c").dims()).containsExactly(32, 1, 1, 3);
            assertThat(g.data(g.requireTensor("a")).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(a);
            assertThat(g.data(g.requireTensor("b")).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(b);
            assertThat(g.data(g.requireTensor("c")).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(c);
            for (GgufTensorInfo t : g.tensors()) {
                assertThat(t.offset() % 64).isZero();
            }
            assertThat(g.fileSize() % 64).isZero();
        }
    }

    @Test
    void mappedWindowsWriteTensorsInPlace() throws IOException {
        Path f = dir.resolve("mapped.gguf");
        MemorySegment first;
        try (GgufWriter w = GgufWriter.create(f)) {
            w.putString("general.architecture", "test");
            w.addTensor("a", GgmlType.F32, 100);
            w.addTensor("empty", GgmlType.F32, 0);
            w.addTensor("b", GgmlType.Q8_0, 64, 3);
            w.addTensor("c", GgmlType.F32, 3);
            first = w.mapTensor("a");
            for (int i = 0; i < 100; i++) {
                first.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i * 1.5f);
            }
            assertThat(w.mapTensor("empty").byteSize()).isZero();
            MemorySegment b = w.mapTensor("b");
            assertThat(b.byteSize()).isEqualTo(2 * 34 * 3);
            b.fill((byte) 7);
            w.writeTensor("c", MemorySegment.ofArray(new float[] {1, 2, 3}));
        }
        MemorySegment stale = first;
        assertThatThrownBy(() -> stale.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        try (GgufFile g = GgufFile.open(f)) {
            MemorySegment a = g.data(g.requireTensor("a"));
            for (int i = 0; i < 100; i++) {
                assertThat(a.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i)).isEqualTo(i * 1.5f);
            }
            byte[] b = g.data(g.requireTensor("b")).toArray(ValueLayout.JAVA_BYTE);
            assertThat(b).hasSize(204).containsOnly((byte) 7);
            assertThat(g.data(g.requireTensor("c")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED))
                    .containsExactly(1, 2, 3);
            assertThat(g.fileSize() % 32).isZero();
        }
    }

    @Test
    void copiesAGoldenFileByteForByteInItsMetadataAndTensors() {
        Path src = GgufFileTest.GOLDEN.resolve("golden-q4_k_m.gguf");
        Path f = dir.resolve("copy.gguf");
        try (GgufFile g = GgufFile.open(src); GgufWriter w = GgufWriter.create(f)) {
            w.putAll(g.metadata());
            for (GgufTensorInfo t : g.tensors()) {
                w.addTensor(t.name(), t.type(), t.dims());
            }
            for (GgufTensorInfo t : g.tensors()) {
                w.writeTensor(t.name(), g.data(t));
            }
        }
        try (GgufFile a = GgufFile.open(src); GgufFile b = GgufFile.open(f)) {
            assertThat(b.metadata().keys()).containsExactlyElementsOf(a.metadata().keys());
            for (String k : a.metadata().keys()) {
                assertThat(b.metadata().typeOf(k)).isEqualTo(a.metadata().typeOf(k));
                assertThat(b.metadata().get(k)).as(k).isEqualTo(a.metadata().get(k));
            }
            assertThat(b.tensors()).isEqualTo(a.tensors());
            assertThat(b.dataOffset()).isEqualTo(a.dataOffset());
            for (GgufTensorInfo t : a.tensors()) {
                assertThat(b.data(t).mismatch(a.data(t))).isEqualTo(-1);
            }
            // llama.cpp wrote the same layout, so the whole file is identical
            assertThat(b.segment().mismatch(a.segment())).isEqualTo(-1);
        }
    }

    @Test
    void aLargeStringArrayRoundTrips() {
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < 152_064; i++) {
            vocab.add("tok" + i + (i % 7 == 0 ? "Ġ｜" : ""));
        }
        Path f = dir.resolve("vocab.gguf");
        try (GgufWriter w = GgufWriter.create(f)) {
            w.putStringArray("tokenizer.ggml.tokens", vocab);
        }
        try (GgufFile g = GgufFile.open(f)) {
            assertThat(g.metadata().getStringList("tokenizer.ggml.tokens")).isEqualTo(vocab);
        }
    }

    @Test
    void misuseIsRefusedClearly() {
        Path f = dir.resolve("bad.gguf");
        GgufWriter w = GgufWriter.create(f);
        assertThatThrownBy(() -> w.setAlignment(12)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putUInt8("x", 256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putString("", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.addTensor("q", GgmlType.Q4_K, 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256");
        assertThatThrownBy(() -> w.addTensor("x".repeat(65), GgmlType.F32, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.addTensor("big", GgmlType.F32, Long.MAX_VALUE / 2, 4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.put("k", GgufValueType.UINT32, 1L)).isInstanceOf(IllegalArgumentException.class);
        w.addTensor("one", GgmlType.F32, 4);
        w.addTensor("two", GgmlType.F32, 4);
        assertThatThrownBy(() -> w.addTensor("one", GgmlType.F32, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.setAlignment(64)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.beginTensor("two")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'one'");
        WritableByteChannel ch = w.beginTensor("one");
        assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(17))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.putInt32("late", 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.beginTensor("two")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("0 of its 16");
        assertThatThrownBy(w::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("deleted");
        assertThat(f).doesNotExist();
        w.close(); // idempotent
    }
}
