package dev.jinn.quant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PageCacheAdviceTest {
    @TempDir
    Path dir;

    @Test
    void marksAMappingForHugePagesWhereLinuxOffersThem() throws IOException {
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeTrue(Files.isReadable(thp) && !Files.readString(thp).contains("[never]"),
                "needs Linux with transparent huge pages not set to never");
        assumeTrue(PageCacheAdvice.class.getModule().isNativeAccessEnabled(), "needs --enable-native-access");
        long size = 4L << 20;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = map(size, arena);
            assertThat(vmFlags(mapping)).doesNotContain("hg");
            assertThat(PageCacheAdvice.adviseHugePages(mapping)).isTrue();
            // the kernel's own record of the advice: "hg" in the mapping's VmFlags
            assertThat(vmFlags(mapping)).contains("hg");
        }
    }

    @Test
    void leavesMappingsSmallerThanAHugePageAlone() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = map(1L << 20, arena);
            assertThat(PageCacheAdvice.adviseHugePages(mapping)).isFalse();
        }
    }

    private MemorySegment map(long size, Arena arena) throws IOException {
        Path file = Files.createTempFile(dir, "weights", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) size));
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
    }

    /** The VmFlags line of the /proc/self/smaps entry that starts at the mapping's address. */
    private static String vmFlags(MemorySegment mapping) throws IOException {
        String start = Long.toHexString(mapping.address()) + "-";
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("[0-9a-f]+-[0-9a-f]+ .*")) {
                in = line.startsWith(start);
            } else if (in && line.startsWith("VmFlags:")) {
                return line;
            }
        }
        throw new AssertionError("no smaps entry at " + start);
    }
}
