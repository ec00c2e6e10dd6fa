package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One tokenizer shared by several threads gives each the ids a single thread gets. */
class ConcurrencyTest {
    @Test
    void sharedTokenizerIsThreadSafe() throws Exception {
        Tokenizer tok = TestData.qwenFromJson();
        List<String> docs = Corpus.documents(11, 200_000);
        List<int[]> expected = new ArrayList<>();
        for (String d : docs) {
            expected.add(tok.encode(d, true, true));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int shift = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < docs.size(); i++) {
                        int k = (i + shift * 7) % docs.size();
                        if (!java.util.Arrays.equals(tok.encode(docs.get(k), true, true), expected.get(k))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
