package dev.jinn.quant.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {
    static final Path TINY = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "tiny-model");

    @Test
    void readsStories260K() {
        Llama2cCheckpoint c = Llama2cCheckpoint.read(TINY.resolve("stories260K.bin"));
        assertThat(c.dim()).isEqualTo(64);
        assertThat(c.hidden()).isEqualTo(172);
        assertThat(c.layers()).isEqualTo(5);
        assertThat(c.heads()).isEqualTo(8);
        assertThat(c.kvHeads()).isEqualTo(4);
        assertThat(c.vocab()).isEqualTo(512);
        assertThat(c.shared()).isTrue();
        assertThat(c.tensors()).hasSize(2 + 5 * 9).containsKeys("token_embd.weight", "blk.4.ffn_down.weight", "output_norm.weight")
                .doesNotContainKey("output.weight");
        assertThat(c.tensors().get("blk.0.attn_k.weight").dims()).containsExactly(64, 32);
        assertThat(c.tensors().get("blk.0.ffn_down.weight").dims()).containsExactly(172, 64);
        // RMSNorm weights of a trained model are positive and O(1).
        float[] norm = c.tensors().get("output_norm.weight").values();
        for (float v : norm) {
            assertThat(v).isBetween(0f, 20f);
        }
    }

    @Test
    void readsTok512() {
        var t = Llama2cCheckpoint.readTokenizer(TINY.resolve("tok512.bin"), 512);
        assertThat(t.tokens()).hasSize(512);
        assertThat(t.tokens().subList(0, 3)).containsExactly("<unk>", "<s>", "</s>");
        assertThat(t.tokens().get(3)).isEqualTo("<0x00>");
        assertThat(t.types()[3]).isEqualTo(6);
        assertThat(t.tokens().subList(259, 512)).noneMatch(s -> s.contains(" "));
        assertThat(t.tokens()).anyMatch(s -> s.startsWith("\u2581"));
    }

    @Test
    void truncatedOrHostileFilesGiveClearErrors(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(TINY.resolve("stories260K.bin"));
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> Llama2cCheckpoint.read(cut)).isInstanceOf(ModelFileException.class).hasMessageContaining("truncated");
        Path bad = dir.resolve("bad.bin");
        ByteBuffer b = ByteBuffer.wrap(all.clone()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, Integer.MAX_VALUE);
        Files.write(bad, b.array());
        assertThatThrownBy(() -> Llama2cCheckpoint.read(bad)).isInstanceOf(ModelFileException.class).hasMessageContaining("implausible");
        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, new byte[3]);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(tiny)).isInstanceOf(ModelFileException.class).hasMessageContaining("too short");
        Path tok = dir.resolve("tok.bin");
        Files.write(tok, Arrays.copyOf(Files.readAllBytes(TINY.resolve("tok512.bin")), 100));
        assertThatThrownBy(() -> Llama2cCheckpoint.readTokenizer(tok, 512)).isInstanceOf(ModelFileException.class).hasMessageContaining("token");
    }
}
