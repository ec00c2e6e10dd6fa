package dev.jinn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.Quantizer;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.quant.safetensors.SafetensorsDType;
import dev.jinn.quant.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    static final Path DATA = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"));
    static final Path GOLDEN = DATA.resolve("golden");

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JinnCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void printsHeaderMetadataTensorsAndTotalsOfAGgufFile() {
        Result r = run("inspect", GOLDEN.resolve("golden-q4_k_m.gguf").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("GGUF v3, alignment 32", "23 metadata keys, 27 tensors", "data offset: 127264",
                "file size:   5884416 bytes",
                "general.architecture", "\"qwen2\"",
                "tokenizer.ggml.tokens", "ARRAY[STRING]", "[\"!\", \"\\\"\", \"#\", \"$\", \"%\", ...] (4118 elements)",
                "tokenizer.chat_template", "(2090 chars)",
                "blk.1.ffn_down.weight", "Q6_K", "[1024, 512]", "430080");
        assertThat(r.out()).containsPattern("Q4_K +\\d+ +\\d+ +\\d+");
        assertThat(r.out()).containsPattern("all +27 ");
    }

    @Test
    void vocabOnlyFile() {
        Result r = run("inspect", "--array-preview", "2",
                DATA.resolve("tokenizer/llamacpp-vectors/ggml-vocab-gpt-2.gguf").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("16 metadata keys, 0 tensors", "[\"!\", \"\\\"\", ...] (50257 elements)")
                .containsPattern("all +0 +0 +0");
    }

    @Test
    void dumpsF32F16AndQuantizedTensorsAsLittleEndianFloats() throws IOException {
        Path f16 = GOLDEN.resolve("golden-f16.gguf");
        Path out = dir.resolve("q.f32");
        Result r = run("inspect", f16.toString(), "--tensor", "blk.0.attn_q.weight", "--dump-f32", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("blk.0.attn_q.weight", "F16", "wrote 262144 float32 values");
        float[] dumped = floats(out);
        try (GgufFile g = GgufFile.open(f16)) {
            GgufTensorInfo t = g.requireTensor("blk.0.attn_q.weight");
            MemorySegment raw = g.data(t);
            assertThat(dumped).hasSize(512 * 512);
            for (int i = 0; i < dumped.length; i += 997) {
                assertThat(dumped[i]).isEqualTo(Float.float16ToFloat(
                        raw.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)));
            }
        }
        Path norm = dir.resolve("norm.f32");
        assertThat(run("inspect", f16.toString(), "--tensor", "output_norm.weight", "--dump-f32", norm.toString())
                .code()).isZero();
        try (GgufFile g = GgufFile.open(f16)) {
            assertThat(Files.readAllBytes(norm)).isEqualTo(
                    g.data(g.requireTensor("output_norm.weight")).toArray(ValueLayout.JAVA_BYTE));
        }
        Path q4k = GOLDEN.resolve("golden-q4_k_m.gguf");
        Path emb = dir.resolve("emb.f32");
        assertThat(run("inspect", q4k.toString(), "--tensor", "token_embd.weight", "--dump-f32", emb.toString())
                .code()).isZero();
        try (GgufFile g = GgufFile.open(q4k)) {
            GgufTensorInfo t = g.requireTensor("token_embd.weight");
            assertThat(t.type()).isEqualTo(GgmlType.Q4_K);
            float[] expected = Quantizer.decodeAll(t.type(), g.data(t), t.elementCount());
            float[] actual = floats(emb);
            assertThat(actual.length).isEqualTo(expected.length);
            assertThat(java.util.Arrays.mismatch(actual, expected)).as("first differing element").isEqualTo(-1);
        }
    }

    @Test
    void safetensorsFileAndHfFolder() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("hf"));
        Files.copy(DATA.resolve("tokenizer/deepseek-r1-distill-qwen/config.json"), folder.resolve("config.json"));
        float[] emb = new float[8 * 4];
        for (int i = 0; i < emb.length; i++) {
            emb[i] = i * 0.25f - 3;
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(folder.resolve("model.safetensors"))) {
            w.putMetadata("format", "pt");
            w.addTensor("model.embed_tokens.weight", SafetensorsDType.BF16, 8, 4);
            w.addTensor("model.layers.0.self_attn.q_proj.bias", SafetensorsDType.F16, 4);
            w.addTensor("model.layers.0.self_attn.rotary_emb.inv_freq", SafetensorsDType.F32, 2);
            w.addTensor("position_ids", SafetensorsDType.I64, 1);
            w.writeTensor("model.embed_tokens.weight", emb);
            w.writeTensor("model.layers.0.self_attn.q_proj.bias", new float[] {1, 2, 3, 4});
            w.writeTensor("model.layers.0.self_attn.rotary_emb.inv_freq", new float[] {1, 0.5f});
            w.writeTensor("position_ids", MemorySegment.ofArray(new long[] {0}));
        }
        Result folderOut = run("inspect", folder.toString());
        assertThat(folderOut.code()).as(folderOut.err()).isZero();
        assertThat(folderOut.out()).contains("safetensors, 1 file, 4 tensors", "__metadata__.format = \"pt\"",
                "Qwen2ForCausalLM", "hidden 5120, layers 48, heads 40, kv heads 8",
                "model.embed_tokens.weight", "token_embd.weight", "blk.0.attn_q.bias", "(ignored)", "[8, 4]")
                .containsPattern("BF16 +1 +32 +64");
        Result fileOut = run("inspect", folder.resolve("model.safetensors").toString());
        assertThat(fileOut.code()).as(fileOut.err()).isZero();
        assertThat(fileOut.out()).contains("safetensors, 1 file, 4 tensors").doesNotContain("config.json");

        Path dump = dir.resolve("emb.f32");
        Result d = run("inspect", folder.toString(), "--tensor", "model.embed_tokens.weight", "--dump-f32",
                dump.toString());
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(floats(dump)).containsExactly(emb); // quarter steps are exact in bf16
        Path bias = dir.resolve("bias.f32");
        assertThat(run("inspect", folder.toString(), "--tensor", "model.layers.0.self_attn.q_proj.bias",
                "--dump-f32", bias.toString()).code()).isZero();
        assertThat(floats(bias)).containsExactly(1, 2, 3, 4);

        Result refused = run("inspect", folder.toString(), "--tensor", "position_ids", "--dump-f32",
                dir.resolve("p.f32").toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("position_ids", "I64");
    }

    @Test
    void errorsHaveExitCodesAndOneLineMessages() throws IOException {
        Result missing = run("inspect", dir.resolve("nope.gguf").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.gguf");

        Result usage = run("inspect", GOLDEN.resolve("golden-q8_0.gguf").toString(), "--dump-f32", "x.f32");
        assertThat(usage.code()).isEqualTo(1);
        assertThat(usage.err()).contains("--tensor");

        Result noTensor = run("inspect", GOLDEN.resolve("golden-q8_0.gguf").toString(), "--tensor", "blk.7.x");
        assertThat(noTensor.code()).isEqualTo(2);
        assertThat(noTensor.err()).contains("blk.7.x");

        byte[] bytes = Files.readAllBytes(GOLDEN.resolve("golden-q8_0.gguf"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(bytes, 5000));
        Result truncated = run("inspect", cut.toString());
        assertThat(truncated.code()).isEqualTo(2);
        assertThat(truncated.err()).contains("cut.gguf", "at byte").doesNotContain("Exception");

        Path junk = dir.resolve("junk.bin");
        Files.writeString(junk, "hello, not a model");
        assertThat(run("inspect", junk.toString()).code()).isEqualTo(2);
    }

    private static float[] floats(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
