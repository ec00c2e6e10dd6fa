package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A complexity check, not a benchmark: per-byte encoding cost at two sizes must not grow like n² (a generous factor
 * absorbs noise on a shared machine). The throughput numbers come from the JMH TokenizerBenchmark.
 */
class LinearTimeTest {
    private final Tokenizer tok = TestData.qwenFromJson();

    @Test
    void longWordsAndWhitespaceRunsStayLinear() {
        for (String unit : new String[] {"a", " ", "\n ", "ab", "1", "!", "é", "的"}) {
            double small = nanosPerChar(unit.repeat(10_000));
            double large = nanosPerChar(unit.repeat(500_000));
            // 50x the size: quadratic behaviour would make the per-char cost ~50x; allow 8x.
            assertThat(large).as("CPU ns/char for runs of %s: 10k %.1f, 500k %.1f", unit, small, large).isLessThan(small * 8 + 100);
        }
    }

    @Test
    void mixedTextStaysLinear() {
        String text = Corpus.generated(new SplittableRandom(5), 100_000);
        double small = nanosPerChar(text.substring(0, 10_000));
        double large = nanosPerChar(text.repeat(10));
        assertThat(large).isLessThan(small * 10 + 200);
    }

    /** Best of three, in this thread's CPU time: waiting for a core on a shared machine does not count. */
    private double nanosPerChar(String s) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        tok.encode(s, false, false);                              // warm up (and fill the cache)
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = mx.getCurrentThreadCpuTime();
            tok.encode(s, false, false);
            best = Math.min(best, mx.getCurrentThreadCpuTime() - t0);
        }
        return (double) best / s.length();
    }
}
