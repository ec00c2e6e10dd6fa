package dev.jinn.quant.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-built defective files: each defect gives one GgufFormatException naming the field and its byte offset. */
class GgufHostileFileTest {
    /** Little-endian byte builder for hand-made GGUF files. */
    static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw u8(int v) {
            out.write(v);
            return this;
        }

        Raw u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            return this;
        }

        Raw u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Raw str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        Raw header(int version, long tensors, long kvs) {
            return u32(GgufReader.MAGIC).u32(version).u64(tensors).u64(kvs);
        }

        /** A tensor info: name, dims, type, offset. */
        Raw tensor(String name, int type, long offset, long... dims) {
            str(name).u32(dims.length);
            for (long d : dims) {
                u64(d);
            }
            return u32(type).u64(offset);
        }

        int pos() {
            return out.size();
        }

        /** Pads to 32 and appends {@code dataBytes} zero bytes. */
        Raw data(int dataBytes) {
            while (out.size() % 32 != 0) {
                out.write(0);
            }
            out.writeBytes(new byte[dataBytes]);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertDefect(byte[] file, String field, long at) {
        return assertThatThrownBy(() -> GgufFile.parse(MemorySegment.ofArray(file), Path.of("hostile.gguf")))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("hostile.gguf")
                .hasMessageContaining(field)
                .hasMessageContaining("at byte " + at)
                .satisfies(e -> assertThat(((GgufFormatException) e).byteOffset()).isEqualTo(at));
    }

    private static GgufFile parse(byte[] file) {
        return GgufFile.parse(MemorySegment.ofArray(file), Path.of("ok.gguf"));
    }

    @Test
    void aWellFormedHandMadeFileParses() {
        Raw r = new Raw().header(2, 1, 1).str("k").u32(GgufValueType.BOOL.id()).u8(1)
                .tensor("t", 0, 0, 4, 2);
        byte[] f = r.data(32).bytes();
        GgufFile g = parse(f);
        assertThat(g.version()).isEqualTo(2);
        assertThat(g.metadata().getBoolean("k")).isTrue();
        assertThat(g.requireTensor("t").byteSize()).isEqualTo(32);
    }

    @Test
    void magicAndVersion() {
        assertDefect(new byte[] {'G', 'G', 'U'}, "magic", 0).hasMessageContaining("too short");
        assertDefect(new Raw().u32(0x46554746).u32(3).u64(0).u64(0).bytes(), "magic", 0)
                .hasMessageContaining("not a GGUF file");
        assertDefect(new Raw().header(1, 0, 0).bytes(), "version", 4).hasMessageContaining("version 1");
        assertDefect(new Raw().header(4, 0, 0).bytes(), "version", 4).hasMessageContaining("unsupported GGUF version 4");
        assertDefect(new Raw().header(0x03000000, 0, 0).bytes(), "version", 4).hasMessageContaining("big-endian");
        assertDefect(new Raw().u32(GgufReader.MAGIC).u32(3).u64(0).bytes(), "metadata_kv_count", 16)
                .hasMessageContaining("truncated");
    }

    @Test
    void countsThatCannotFit() {
        assertDefect(new Raw().header(3, 0, 1L << 40).bytes(), "metadata_kv_count", 16);
        assertDefect(new Raw().header(3, -1, 0).bytes(), "tensor_count", 8).hasMessageContaining("18446744073709551615");
        assertDefect(new Raw().header(3, 2, 0).tensor("a", 0, 0, 1).bytes(), "tensor_count", 8);
    }

    @Test
    void stringLengths() {
        assertDefect(new Raw().header(3, 0, 1).u64(1L << 50).u64(0).bytes(), "length of metadata key #0", 24);
        assertDefect(new Raw().header(3, 0, 1).u64(-8).u64(0).bytes(), "length of metadata key #0", 24);
        assertDefect(new Raw().header(3, 0, 1).str("").u32(7).u8(0).u8(0).bytes(), "metadata key #0", 24)
                .hasMessageContaining("empty");
        Raw bad = new Raw().header(3, 0, 1).u64(2).u8(0xC3).u8(0x28).u32(7).u8(0);
        assertDefect(bad.bytes(), "metadata key #0", 32).hasMessageContaining("UTF-8");
        Raw r = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.STRING.id());
        int at = r.pos();
        assertDefect(r.u64(1000).str("short").bytes(), "length of value of metadata key 'k'", at);
        Raw longName = new Raw().header(3, 1, 0);
        assertDefect(longName.tensor("x".repeat(65), 0, 0, 1).data(4).bytes(), "tensor info #0 name", 24)
                .hasMessageContaining("at most 64");
    }

    @Test
    void valueTypesAndBools() {
        Raw r = new Raw().header(3, 0, 1).str("k");
        int at = r.pos();
        assertDefect(r.u32(13).u8(0).bytes(), "type of metadata key 'k'", at).hasMessageContaining("13");
        Raw b = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.BOOL.id());
        int boolAt = b.pos();
        assertDefect(b.u8(2).bytes(), "value of metadata key 'k'", boolAt).hasMessageContaining("BOOL byte 2");
        Raw ba = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.BOOL.id()).u64(3);
        int elemAt = ba.pos();
        assertDefect(ba.u8(0).u8(1).u8(7).bytes(), "metadata key 'k'[2]", elemAt + 2);
    }

    @Test
    void arrayLengthsAndNesting() {
        Raw r = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id());
        int typeAt = r.pos();
        assertDefect(r.u32(99).u64(0).bytes(), "element type", typeAt);
        Raw c = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.INT32.id());
        int countAt = c.pos();
        assertDefect(c.u64(1L << 40).u32(0).bytes(), "count", countAt).hasMessageContaining("cannot fit");
        Raw s = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.STRING.id())
                .u64(2).str("ok");
        int s1 = s.pos();
        assertDefect(s.u64(Long.MAX_VALUE).bytes(), "length of string 1 of metadata key 'k'", s1);
        // nested: an array of arrays whose inner count is huge
        Raw n = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.ARRAY.id()).u64(1)
                .u32(GgufValueType.UINT64.id());
        int innerCount = n.pos();
        assertDefect(n.u64(1L << 60).bytes(), "metadata key 'k[0]' count", innerCount);
        // nesting deeper than the limit
        Raw deep = new Raw().header(3, 0, 1).str("k").u32(GgufValueType.ARRAY.id());
        for (int i = 0; i < 20; i++) {
            deep.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        deep.u32(GgufValueType.UINT8.id()).u64(0);
        assertThatThrownBy(() -> parse(deep.bytes())).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("nested deeper");
    }

    @Test
    void duplicateKeysAndTensorNames() {
        Raw r = new Raw().header(3, 0, 2).str("k").u32(GgufValueType.UINT8.id()).u8(1);
        int second = r.pos();
        assertDefect(r.str("k").u32(GgufValueType.UINT8.id()).u8(2).bytes(), "metadata key 'k'", second)
                .hasMessageContaining("duplicate");
        Raw t = new Raw().header(3, 2, 0).tensor("t", 0, 0, 8);
        int t2 = t.pos();
        assertDefect(t.tensor("t", 0, 32, 8).data(64).bytes(), "tensor 't'", t2).hasMessageContaining("duplicate");
    }

    @Test
    void tensorShapesAndTypes() {
        Raw r = new Raw().header(3, 1, 0).str("t");
        int nd = r.pos();
        assertDefect(r.u32(5).data(64).bytes(), "tensor 't' n_dims", nd).hasMessageContaining("5");
        assertDefect(new Raw().header(3, 1, 0).str("t").u32(0).u32(0).u64(0).data(0).bytes(), "tensor 't' n_dims", nd);
        Raw ov = new Raw().header(3, 1, 0).str("t").u32(3).u64(1L << 30).u64(1L << 30);
        int third = ov.pos();
        assertDefect(ov.u64(1L << 30).u32(0).u64(0).data(0).bytes(), "tensor 't' dims[2]", third)
                .hasMessageContaining("overflows");
        Raw neg = new Raw().header(3, 1, 0).str("t").u32(1);
        int d0 = neg.pos();
        assertDefect(neg.u64(-1).u32(0).u64(0).bytes(), "tensor 't' dims[0]", d0);
        // element count fits but the byte size (x4 for F32) does not
        Raw bytesOv = new Raw().header(3, 1, 0).str("t").u32(2).u64(1L << 31).u64(1L << 31).u32(0).u64(0);
        assertThatThrownBy(() -> parse(bytesOv.data(0).bytes())).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("overflows");
        Raw ty = new Raw().header(3, 1, 0).str("t").u32(1).u64(32);
        int typeAt = ty.pos();
        assertDefect(ty.u32(4).u64(0).data(64).bytes(), "tensor 't' type", typeAt).hasMessageContaining("4");
        assertDefect(new Raw().header(3, 1, 0).tensor("t", 8, 0, 33).data(64).bytes(), "tensor 't' dims[0]", nd + 4)
                .hasMessageContaining("block size 32");
    }

    @Test
    void tensorOffsets() {
        Raw r = new Raw().header(3, 1, 0).str("t").u32(1).u64(8).u32(0);
        int off = r.pos();
        assertDefect(r.u64(16).data(64).bytes(), "tensor 't' offset", off).hasMessageContaining("alignment 32");
        Raw past = new Raw().header(3, 1, 0).str("t").u32(1).u64(8).u32(0);
        int off2 = past.pos();
        assertDefect(past.u64(32).data(40).bytes(), "tensor 't' offset", off2).hasMessageContaining("past the end");
        Raw huge = new Raw().header(3, 1, 0).str("t").u32(1).u64(8).u32(0);
        assertDefect(huge.u64(Long.MAX_VALUE - 31).data(40).bytes(), "tensor 't' offset", off2);
        Raw overlap = new Raw().header(3, 2, 0).tensor("a", 0, 0, 16);
        int b = overlap.pos();
        assertDefect(overlap.tensor("b", 0, 32, 16).data(128).bytes(), "tensor 'b'", b)
                .hasMessageContaining("overlaps tensor 'a'");
    }

    @Test
    void alignmentKey() {
        Raw r = new Raw().header(3, 0, 1);
        assertDefect(r.str("general.alignment").u32(GgufValueType.UINT32.id()).u32(12).bytes(),
                "general.alignment", 24).hasMessageContaining("12");
        assertDefect(new Raw().header(3, 0, 1).str("general.alignment").u32(GgufValueType.UINT32.id()).u32(0).bytes(),
                "general.alignment", 24);
        assertDefect(new Raw().header(3, 0, 1).str("general.alignment").u32(GgufValueType.STRING.id()).str("32")
                .bytes(), "general.alignment", 24).hasMessageContaining("UINT32");
        Raw ok = new Raw().header(3, 1, 1).str("general.alignment").u32(GgufValueType.UINT32.id()).u32(64)
                .tensor("t", 0, 0, 4);
        while (ok.pos() % 64 != 0) {
            ok.u8(0);
        }
        ok.out.writeBytes(new byte[16]);
        assertThat(parse(ok.bytes()).dataOffset() % 64).isZero();
    }

    @Test
    void everyTruncationOfAValidFileIsReported(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("small.gguf");
        try (GgufWriter w = GgufWriter.create(f)) {
            w.putString("general.architecture", "qwen2").putInt32Array("a", new int[] {1, 2, 3})
                    .putStringArray("s", java.util.List.of("x", "yy")).putBool("b", true).putFloat64("d", 1.0);
            w.addTensor("t", dev.jinn.quant.GgmlType.F32, 4, 2);
            w.addTensor("u", dev.jinn.quant.GgmlType.Q8_0, 32);
            w.writeTensor("t", new byte[32]);
            w.writeTensor("u", new byte[34]);
        }
        byte[] full = Files.readAllBytes(f);
        int lastEnd;
        try (GgufFile g = GgufFile.open(f)) {
            GgufTensorInfo u = g.requireTensor("u");
            lastEnd = (int) (g.dataOffset() + u.offset() + u.byteSize());
        }
        for (int n = 0; n < lastEnd; n++) {
            byte[] cut = java.util.Arrays.copyOf(full, n);
            Consumer<byte[]> p = bytes -> parse(bytes);
            assertThatThrownBy(() -> p.accept(cut)).as("truncated to %d bytes", n)
                    .isInstanceOf(GgufFormatException.class).hasMessageContaining("at byte");
        }
        assertThat(parse(java.util.Arrays.copyOf(full, lastEnd)).tensors()).hasSize(2);
    }
}
