package dev.jinn.benchmarks;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.jinn.tokenizer.Tokenizer;
import dev.jinn.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Encoding throughput of Jinn's Qwen2 byte-level BPE against Hugging Face {@code tokenizers} (Rust, via DJL) on the
 * same tokenizer.json, in one run. Each operation encodes one text of exactly {@value #TEXT_BYTES} UTF-8 bytes
 * (as documents of at most 4 KB, or whole), so ops/s is MB/s (10^6 bytes). Texts: English prose (vim's user manual), Java code (the JDK's src.zip) and CJK
 * (vim's Chinese, Japanese and Korean tutors), read from the machine.
 *
 * <pre>java --add-modules jdk.incubator.vector -Djinn.shared.data=../shared/data -jar benchmarks/target/benchmarks.jar \
 *     TokenizerBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TokenizerBenchmark {
    static final int TEXT_BYTES = 1_000_000;

    @Param({"prose", "code", "cjk"})
    public String text;

    @Param({"jinn", "huggingface"})
    public String impl;

    /**
     * "4k": the text is cut at line ends into documents of at most 4 KB, each encoded by its own call (prompt-sized
     * inputs). "whole": one call for the whole megabyte.
     */
    @Param({"4k"})
    public String chunk;

    private String input;
    private String[] documents;
    private Tokenizer jinn;
    private HuggingFaceTokenizer hf;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path json = Path.of(System.getProperty("jinn.shared.data", "../shared/data"),
                "tokenizer", "deepseek-r1-distill-qwen", "tokenizer.json");
        input = exactly(TEXT_BYTES, switch (text) {
            case "prose" -> files("/usr/share/vim", p -> p.getFileName().toString().matches("usr_\\d+\\.txt"));
            case "code" -> javaSources();
            case "cjk" -> files("/usr/share/vim", p -> p.getFileName().toString().matches("tutor\\.(zh|ja|ko).*utf-8"));
            default -> throw new IllegalArgumentException("unknown text kind " + text);
        });
        documents = chunk.equals("whole") ? new String[] {input} : split(input, 4096);
        if (impl.equals("jinn")) {
            jinn = Tokenizers.fromTokenizerJson(json);
        } else {
            hf = HuggingFaceTokenizer.builder().optTokenizerPath(json).optAddSpecialTokens(false)
                    .optTruncation(false).optPadding(false).build();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (hf != null) {
            hf.close();
        }
    }

    @Benchmark
    public int encode() {
        int n = 0;
        if (jinn != null) {
            for (String d : documents) {
                n += jinn.encode(d, false, true).length;
            }
        } else {
            for (String d : documents) {
                n += hf.encode(d, false, false).getIds().length;
            }
        }
        return n;
    }

    /** Cuts after a newline (or anywhere, for a line longer than max) into pieces of at most max UTF-8 bytes. */
    static String[] split(String s, int max) {
        List<String> out = new java.util.ArrayList<>();
        int start = 0;
        int bytes = 0;
        int lastNewline = -1;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (bytes + len > max) {
                int cut = lastNewline > start ? lastNewline : i;
                out.add(s.substring(start, cut));
                start = cut;
                bytes = s.substring(start, i).getBytes(StandardCharsets.UTF_8).length;
                lastNewline = -1;
            }
            bytes += len;
            i += Character.charCount(c);
            if (c == '\n') {
                lastNewline = i;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out.toArray(String[]::new);
    }

    /** Repeats (or cuts, at a character boundary) the text to exactly n UTF-8 bytes. */
    static String exactly(int n, String s) {
        if (s.isEmpty()) {
            throw new IllegalStateException("no benchmark text found on this machine");
        }
        StringBuilder b = new StringBuilder();
        int bytes = 0;
        int i = 0;
        while (true) {
            int c = s.codePointAt(i);
            int len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (bytes + len > n) {
                break;
            }
            b.appendCodePoint(c);
            bytes += len;
            i = (i + Character.charCount(c)) % s.length();
        }
        while (bytes < n) {
            b.append(' ');
            bytes++;
        }
        return b.toString();
    }

    private static String files(String dir, java.util.function.Predicate<Path> filter) {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.walk(Path.of(dir))) {
            for (Path p : s.filter(Files::isRegularFile).filter(filter).sorted().toList()) {
                b.append(Files.readString(p, StandardCharsets.UTF_8));
                if (b.length() > 2 * TEXT_BYTES) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toString();
    }

    private static String javaSources() {
        StringBuilder b = new StringBuilder();
        try (ZipFile z = new ZipFile(Path.of(System.getProperty("java.home"), "lib", "src.zip").toFile())) {
            List<? extends ZipEntry> entries = z.stream().filter(e -> e.getName().startsWith("java.base/java/util/")
                    && e.getName().endsWith(".java")).toList();
            for (ZipEntry e : entries) {
                try (InputStream in = z.getInputStream(e)) {
                    b.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                if (b.length() > 2 * TEXT_BYTES) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toString();
    }
}
