package dev.jinn.quant.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Linux to back a read-only model file mapping with 2 MiB pages ({@code madvise(MADV_HUGEPAGE)}).
 *
 * <p>Why: decode streams every weight once per token, and how fast a mapped file streams depends on the page size
 * of its page cache. On the reference machine the 9 GB 14B Q4_K_M file streamed at about 50 GB/s (two threads)
 * when the kernel had read it in 2 MiB folios mapped by PMDs and at 15-24 GB/s in 4 KiB pages: 1.9 against
 * 0.8-1.3 tokens/s. Without the advice the kernel reads large folios only for faults that look sequential, and the
 * first forward pass touches the file from two threads in matrix order, which left 27% of it in large pages. With
 * it, every fault of the mapping reads a 2 MiB folio. Pages already cached stay as they are (Linux cannot collapse a
 * regular file's cache without CONFIG_READ_ONLY_THP_FOR_FS); {@code jinn bench} reports the share.
 *
 * <p>Best effort: skipped, without the JDK's restricted-method warning, where native access is not enabled for this
 * module ({@code --enable-native-access}), off Linux, or with {@code -Djinn.mmap.hugePages=false}; a refusal
 * (transparent huge pages set to {@code never}) is logged at DEBUG and changes nothing else.
 */
public final class PageCacheAdvice {
    private static final Logger LOG = LoggerFactory.getLogger(PageCacheAdvice.class);
    private static final int MADV_HUGEPAGE = 14;
    private static final long HUGE_PAGE = 2L << 20;
    private static final MethodHandle MADVISE = madvise();

    private PageCacheAdvice() {
    }

    @SuppressWarnings("restricted") // one libc call, made only where native access is enabled
    private static MethodHandle madvise() {
        if (!System.getProperty("os.name", "").startsWith("Linux")
                || !Boolean.parseBoolean(System.getProperty("jinn.mmap.hugePages", "true"))
                || !PageCacheAdvice.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise")
                    .map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("madvise is not available: {}", e.toString());
            return null;
        }
    }

    /**
     * Advises 2 MiB pages for {@code mapping}, which must start on a page boundary (a mapping from offset 0 does).
     *
     * @return whether the kernel accepted the advice; false where it was not given (see the class comment)
     */
    public static boolean adviseHugePages(MemorySegment mapping) {
        if (MADVISE == null || mapping.byteSize() < HUGE_PAGE) {
            return false;
        }
        try {
            int rc = (int) MADVISE.invokeExact(mapping, mapping.byteSize(), MADV_HUGEPAGE);
            if (rc != 0) {
                LOG.debug("madvise(MADV_HUGEPAGE) refused for {} bytes at {}", mapping.byteSize(),
                        Long.toHexString(mapping.address()));
            }
            return rc == 0;
        } catch (Throwable e) {
            LOG.debug("madvise(MADV_HUGEPAGE) failed: {}", e.toString());
            return false;
        }
    }
}
