package dev.jinn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void sumsResidentAndHugePagesOverTheFilesMappingsOnly() throws IOException {
        Path file = Files.writeString(dir.resolve("my model.gguf"), "x");
        String real = file.toRealPath().toString();
        List<String> smaps = List.of(
                "7f0000000000-7f0000400000 r--s 00000000 fd:00 1234   " + real,
                "Size:               4096 kB",
                "Rss:                4096 kB",
                "FilePmdMapped:      2048 kB",
                "7f0000400000-7f0000600000 rw-p 00000000 00:00 0 ",
                "Rss:                2048 kB",
                "FilePmdMapped:         0 kB",
                "7f0000600000-7f0000800000 r--s 00400000 fd:00 1234   " + real,
                "Rss:                1024 kB",
                "FilePmdMapped:         0 kB",
                "7f0000800000-7f0000a00000 r--s 00000000 fd:00 99   " + real + ".other",
                "Rss:                2048 kB",
                "FilePmdMapped:      2048 kB");
        BenchCommand.MappedPages pages = BenchCommand.mappedPages(file, smaps);
        assertThat(pages.residentBytes()).isEqualTo(5120L * 1024);
        assertThat(pages.hugePageBytes()).isEqualTo(2048L * 1024);
        assertThat(BenchCommand.mappedPages(dir.resolve("absent.gguf"), smaps)).isEqualTo(BenchCommand.MappedPages.NONE);
    }

    @Test
    void findsALiveMappingInThisProcess() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux /proc");
        Path file = dir.resolve("mapped.bin");
        long size = 1 << 20;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            ch.write(java.nio.ByteBuffer.allocate((int) size));
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long sum = 0;
            for (long off = 0; off < size; off += 4096) {
                sum += seg.get(ValueLayout.JAVA_BYTE, off);
            }
            assertThat(sum).isZero();
            assertThat(BenchCommand.mappedPages(file, BenchCommand.smaps()).residentBytes()).isEqualTo(size);
        }
    }

    @Test
    void cpuIsTheFirstProcessorsModelNameFamilyAndModel() {
        List<String> amd = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25", "model\t\t: 17",
                "model name\t: AMD EPYC", "stepping\t: 1", "", "processor\t: 1", "cpu family\t: 26", "model\t\t: 2",
                "model name\t: Other");
        assertThat(BenchCommand.cpuDescription(amd)).isEqualTo("AMD EPYC (family 25, model 17)");
        // an Arm kernel's cpuinfo has no model name: the JVM's architecture instead
        assertThat(BenchCommand.cpuDescription(List.of("processor\t: 0", "BogoMIPS\t: 50.00", "CPU part\t: 0xd40")))
                .isEqualTo(System.getProperty("os.arch"));
        assertThat(BenchCommand.cpuDescription(List.of())).isEqualTo(System.getProperty("os.arch"));
        assertThat(BenchCommand.cpuDescription(List.of("model name\t: Some CPU"))).isEqualTo("Some CPU");
    }

    @Test
    void jsonReportsSpeedsLoadRssAndTheMappedPages() {
        Path demo = Path.of(System.getProperty("user.dir")).getParent().resolve("models/stories260K.gguf");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JinnCli.execute(new String[] {"bench", "--model", demo.toString(), "-p", "8", "-n", "4", "-r", "1",
                "--threads", "1", "--json"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        String json = out.toString().trim();
        assertThat(json).startsWith("{").endsWith("}")
                .contains("\"model\":\"stories260K.gguf\"", "\"threads\":1", "\"n_prompt\":8", "\"n_gen\":4")
                .containsPattern("\"pp_tokens_per_s\":[1-9][0-9.]*,")
                .containsPattern("\"tg_tokens_per_s\":[1-9][0-9.]*,")
                .containsPattern("\"mapped_huge_page_bytes\":[0-9]+,")
                .containsPattern("\"cpu\":\"[^\"]+\"}$");
        if (Files.isReadable(Path.of("/proc/self/smaps"))) {
            assertThat(json).containsPattern("\"mapped_resident_bytes\":[1-9][0-9]*,");
        }
    }
}
