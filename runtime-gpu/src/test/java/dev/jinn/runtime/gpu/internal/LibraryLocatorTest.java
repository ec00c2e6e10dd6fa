package dev.jinn.runtime.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search order and the failure message, on temporary folders (the real environment is never read). */
class LibraryLocatorTest {
    @TempDir
    Path tmp;

    /** A real shared library of this machine under another name: dlopen accepts it, as it would libcuda. */
    private Path loadable(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path libm = Path.of("/lib/x86_64-linux-gnu/libm.so.6");
        return Files.copy(Files.exists(libm) ? libm : Path.of("/usr/lib/x86_64-linux-gnu/libm.so.6"),
                dir.resolve(name));
    }

    private Path bogus(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name), "not an ELF file");
    }

    @Test
    void failureListsEveryPlaceTriedAndWhy() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        bogus(b, "libcuda.so.1");
        LibraryLocator.Result r = LibraryLocator.locate("libcuda.so.1", null, "JINN_CUDA_LIBRARY", List.of(a, b),
                true);
        assertThat(r.found()).isEmpty();
        String msg = r.describeFailure("libcuda.so.1");
        assertThat(msg).startsWith("libcuda.so.1 not found (tried: dlopen(libcuda.so.1)")
                .contains(a.resolve("libcuda.so.1") + ": absent")
                .contains(b.resolve("libcuda.so.1") + ": exists but dlopen failed");
        assertThat(r.tried()).hasSize(3);
    }

    @Test
    void firstLoadableFolderWins() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        bogus(a, "libcublas.so.13");
        Path good = loadable(b, "libcublas.so.13");
        loadable(c, "libcublas.so.13");
        LibraryLocator.Result r = LibraryLocator.locate("libcublas.so.13", "", "JINN_CUBLAS_LIBRARY",
                List.of(a, b, c), false);
        assertThat(r.found()).isPresent();
        assertThat(r.found().get().where()).isEqualTo(good.toString());
        assertThat(r.found().get().lookup().find("cos")).isPresent();
        assertThat(r.tried()).singleElement().asString().contains("dlopen failed");
    }

    @Test
    void overrideIsTheOnlyPlaceTried() throws IOException {
        Path dir = tmp.resolve("d");
        loadable(dir, "libcuda.so.1");
        Path missing = tmp.resolve("nope/libcuda.so.1");
        LibraryLocator.Result r = LibraryLocator.locate("libcuda.so.1", missing.toString(), "JINN_CUDA_LIBRARY",
                List.of(dir), true);
        assertThat(r.found()).isEmpty();
        assertThat(r.tried()).containsExactly("JINN_CUDA_LIBRARY=" + missing + ": no such file");
        Path custom = loadable(tmp.resolve("custom"), "my-libcuda.so");
        r = LibraryLocator.locate("libcuda.so.1", custom.toString(), "JINN_CUDA_LIBRARY", List.of(), true);
        assertThat(r.found().orElseThrow().where()).isEqualTo(custom.toString());
    }

    @Test
    void searchDirsFollowTheDocumentedOrder() throws IOException {
        Path root = tmp.resolve("root");
        Path home = tmp.resolve("home");
        for (String d : List.of("usr/local/cuda-12.4/lib64", "usr/local/cuda-13.0/lib64",
                "usr/local/lib/python3.12/dist-packages/nvidia/cublas/lib",
                "usr/lib/python3.11/site-packages/nvidia/cuda_runtime/lib")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.createDirectories(home.resolve(".local/lib/python3.13/site-packages/nvidia/cublas/lib"));
        Path venv = tmp.resolve("venv");
        Files.createDirectories(venv.resolve("lib/python3.12/site-packages/nvidia/cublas/lib"));
        List<Path> dirs = LibraryLocator.searchDirs(Map.of("CUDA_HOME", "/opt/cuda", "VIRTUAL_ENV", venv.toString()),
                root, home);
        assertThat(dirs).containsSubsequence(
                Path.of("/opt/cuda/lib64"),
                root.resolve("usr/local/cuda/lib64"),
                root.resolve("usr/local/cuda-13.0/lib64"),
                root.resolve("usr/local/cuda-12.4/lib64"),
                root.resolve("usr/lib/x86_64-linux-gnu"),
                root.resolve("usr/lib/python3.11/site-packages/nvidia/cuda_runtime/lib"),
                root.resolve("usr/local/lib/python3.12/dist-packages/nvidia/cublas/lib"),
                home.resolve(".local/lib/python3.13/site-packages/nvidia/cublas/lib"),
                venv.resolve("lib/python3.12/site-packages/nvidia/cublas/lib"));
    }
}
