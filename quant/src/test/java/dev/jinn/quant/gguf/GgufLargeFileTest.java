package dev.jinn.quant.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 14B-shape Q4_K_M file (48 layers, 579 tensors, 152,064-token vocabulary, about 9 GB) written with mapped
 * windows that are never touched, so the file is sparse and costs almost no disk, then opened and checked:
 * offsets past 4 GiB, the data section layout and the big string array survive the round trip. Slow because
 * not every file system keeps such a file sparse.
 */
@Tag("slow")
class GgufLargeFileTest {
    @Test
    void a14bShapeFileRoundTrips(@TempDir Path dir) throws Exception {
        int hidden = 5120;
        int kv = 1024;
        int ffn = 13824;
        int vocab = 152_064;
        int layers = 48;
        Path f = dir.resolve("14b.gguf");
        List<String> tokens = new ArrayList<>(vocab);
        for (int i = 0; i < vocab; i++) {
            tokens.add("tok" + i);
        }
        List<GgufTensorInfo> declared = new ArrayList<>();
        try (GgufWriter w = GgufWriter.create(f)) {
            w.putString("general.architecture", "qwen2");
            w.putUInt32("qwen2.block_count", layers);
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            declared.add(w.addTensor("token_embd.weight", GgmlType.Q4_K, hidden, vocab));
            declared.add(w.addTensor("output_norm.weight", GgmlType.F32, hidden));
            declared.add(w.addTensor("output.weight", GgmlType.Q6_K, hidden, vocab));
            for (int l = 0; l < layers; l++) {
                String b = "blk." + l + ".";
                declared.add(w.addTensor(b + "attn_norm.weight", GgmlType.F32, hidden));
                declared.add(w.addTensor(b + "attn_q.weight", GgmlType.Q4_K, hidden, hidden));
                declared.add(w.addTensor(b + "attn_q.bias", GgmlType.F32, hidden));
                declared.add(w.addTensor(b + "attn_k.weight", GgmlType.Q4_K, hidden, kv));
                declared.add(w.addTensor(b + "attn_k.bias", GgmlType.F32, kv));
                declared.add(w.addTensor(b + "attn_v.weight", l % 2 == 0 ? GgmlType.Q6_K : GgmlType.Q4_K, hidden, kv));
                declared.add(w.addTensor(b + "attn_v.bias", GgmlType.F32, kv));
                declared.add(w.addTensor(b + "attn_output.weight", GgmlType.Q4_K, hidden, hidden));
                declared.add(w.addTensor(b + "ffn_norm.weight", GgmlType.F32, hidden));
                declared.add(w.addTensor(b + "ffn_gate.weight", GgmlType.Q4_K, hidden, ffn));
                declared.add(w.addTensor(b + "ffn_up.weight", GgmlType.Q4_K, hidden, ffn));
                declared.add(w.addTensor(b + "ffn_down.weight", l % 2 == 0 ? GgmlType.Q6_K : GgmlType.Q4_K, ffn,
                        hidden));
            }
            for (GgufTensorInfo t : declared) {
                w.mapTensor(t.name()); // untouched: the file stays sparse
            }
        }
        try (GgufFile g = GgufFile.open(f)) {
            assertThat(g.tensors()).hasSize(3 + layers * 12).isEqualTo(declared);
            assertThat(g.metadata().getStringList("tokenizer.ggml.tokens")).hasSize(vocab).endsWith("tok152063");
            GgufTensorInfo last = g.tensors().getLast();
            assertThat(g.dataOffset() + last.offset()).isGreaterThan(1L << 32);
            assertThat(g.fileSize()).isBetween(8_500_000_000L, 9_500_000_000L)
                    .isEqualTo((g.dataOffset() + last.offset() + last.byteSize() + 31) / 32 * 32);
            assertThat(last.type()).isEqualTo(GgmlType.Q4_K); // layer 47 is odd
            assertThat(g.data(last).byteSize()).isEqualTo(13824L / 256 * 144 * 5120);
        }
        Files.delete(f);
    }
}
