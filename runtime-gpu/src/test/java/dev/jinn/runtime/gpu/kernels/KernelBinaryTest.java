package dev.jinn.runtime.gpu.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code jinn-kernels.fatbin} against its CUDA sources and {@link Kernel}: built from the sources as
 * they are now (the source hash), holding exactly the {@code jinn_*} kernels {@link Kernel} names in both its sm_90
 * cubin and its PTX (with PTX parameter types matching {@link Kernel#params()}), and the sources' declarations
 * matching {@link Kernel#params()}. No GPU or CUDA toolkit needed.
 */
class KernelBinaryTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final String RESOURCES = "/dev/jinn/runtime/gpu/kernels/";
    private static final String REBUILD = "rebuild with runtime-gpu/src/main/cuda/build.sh (nvcc from CUDA 13) or "
            + "`mvn -o -Pcuda-kernels -pl runtime-gpu generate-resources`, and commit jinn-kernels.fatbin and "
            + "jinn-kernels.sha256";
    private static final Pattern DECLARATION = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?(\\w+)\\s*\\(([^)]*)\\)");

    @Test
    void committedHashMatchesTheSourcesAndFlags() throws IOException {
        String committed = new String(resource("jinn-kernels.sha256"), StandardCharsets.US_ASCII).strip();
        assertThat(sourceHash()).as("SHA-256 of the CUDA sources and nvcc.flags differs from the committed "
                + "jinn-kernels.sha256: the fatbin is stale; " + REBUILD).isEqualTo(committed);
    }

    @Test
    void fatbinHasSm90CodeAndCompute80PtxUncompressed() {
        List<Fatbin.Entry> entries = Fatbin.entries(resource("jinn-kernels.fatbin"));
        assertThat(entries).extracting(e -> e.kind() + ":" + e.arch())
                .as("fatbin images (kind 1 = PTX, 2 = ELF : arch)").containsExactlyInAnyOrder("2:90", "1:80");
        for (Fatbin.Entry e : entries) {
            if (e.isElf()) {
                assertThat(Arrays.copyOf(e.payload(), 4)).as("cubin is raw ELF (built with --no-compress); " + REBUILD)
                        .containsExactly(0x7F, 'E', 'L', 'F');
            } else {
                assertThat(new String(e.payload(), StandardCharsets.US_ASCII)).as("PTX is plain text; " + REBUILD)
                        .contains(".version").contains(".target sm_80");
            }
        }
    }

    @Test
    void fatbinHoldsExactlyTheKernelsOfTheEnum() {
        List<String> expected = Arrays.stream(Kernel.values()).map(Kernel::symbol).toList();
        for (Fatbin.Entry e : Fatbin.entries(resource("jinn-kernels.fatbin"))) {
            List<String> found = e.isElf()
                    ? Fatbin.elfFunctions(e.payload())
                    : List.copyOf(Fatbin.ptxEntries(e.payload()).keySet());
            assertThat(found.stream().filter(n -> n.startsWith("jinn_")).toList())
                    .as("jinn_* kernels in the sm_%d %s image; %s", e.arch(), e.isElf() ? "cubin" : "PTX", REBUILD)
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void ptxParameterTypesMatchTheEnum() {
        Fatbin.Entry ptx = Fatbin.entries(resource("jinn-kernels.fatbin")).stream().filter(Fatbin.Entry::isPtx)
                .findFirst().orElseThrow();
        Map<String, List<String>> entries = Fatbin.ptxEntries(ptx.payload());
        for (Kernel k : Kernel.values()) {
            List<String> want = k.params().stream().map(p -> switch (p) {
                case PTR -> "u64";
                case I32 -> "u32";
                case F32 -> "f32";
            }).toList();
            assertThat(entries.get(k.symbol())).as("PTX parameters of %s", k.symbol()).isEqualTo(want);
        }
    }

    @Test
    void sourceDeclarationsMatchTheEnum() throws IOException {
        Map<String, List<Kernel.P>> declared = declarations();
        Map<String, List<Kernel.P>> expected = new LinkedHashMap<>();
        for (Kernel k : Kernel.values()) {
            expected.put(k.symbol(), k.params());
        }
        assertThat(declared).as("extern \"C\" __global__ kernels in %s against Kernel", SOURCES)
                .containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void declarationParserReadsKindsAndRejectsOthers() {
        Map<String, List<Kernel.P>> m = new TreeMap<>();
        parse("extern \"C\" __global__ void __launch_bounds__(128) jinn_a(const float* __restrict__ x, int n,\n"
                + " float eps) {}\n// extern \"C\" __global__ void jinn_commented(int n) {}\n", "t.cu", m);
        assertThat(m).containsExactly(Map.entry("jinn_a", List.of(Kernel.P.PTR, Kernel.P.I32, Kernel.P.F32)));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> parse("extern \"C\" __global__ void jinn_b(double d) {}", "t.cu", new TreeMap<>()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("double d");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static List<Path> sourceFiles() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".cu") || n.endsWith(".cuh") || n.equals("nvcc.flags");
            }).sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
    }

    /** As build.sh: SHA-256 of the lines "<sha256 hex>  <name>\n" over the sorted source files and nvcc.flags. */
    private static String sourceHash() throws IOException {
        StringBuilder manifest = new StringBuilder();
        for (Path p : sourceFiles()) {
            manifest.append(sha256(Files.readAllBytes(p))).append("  ").append(p.getFileName()).append('\n');
        }
        return sha256(manifest.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, List<Kernel.P>> declarations() throws IOException {
        Map<String, List<Kernel.P>> out = new TreeMap<>();
        for (Path p : sourceFiles()) {
            parse(Files.readString(p), p.getFileName().toString(), out);
        }
        return out;
    }

    /** Adds the kernels declared in {@code source} (comments removed) to {@code out}. */
    private static void parse(String source, String file, Map<String, List<Kernel.P>> out) {
        String code = source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
        Matcher m = DECLARATION.matcher(code);
        while (m.find()) {
            List<Kernel.P> kinds = new ArrayList<>();
            for (String param : m.group(2).split(",")) {
                String t = param.strip().replaceAll("\\s+", " ");
                if (t.contains("*")) {
                    kinds.add(Kernel.P.PTR);
                } else if (t.matches("(const )?int \\w+")) {
                    kinds.add(Kernel.P.I32);
                } else if (t.matches("(const )?float \\w+")) {
                    kinds.add(Kernel.P.F32);
                } else {
                    throw new IllegalArgumentException(file + ": kernel " + m.group(1) + " has parameter '" + t
                            + "', which is none of pointer (PTR), int (I32), float (F32)");
                }
            }
            if (out.put(m.group(1), kinds) != null) {
                throw new IllegalArgumentException(file + ": kernel " + m.group(1) + " is declared twice");
            }
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = KernelBinaryTest.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCES + name + " is missing; " + REBUILD);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
