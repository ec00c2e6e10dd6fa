package dev.jinn.runtime.gpu.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and opens a CUDA shared library (the driver {@code libcuda.so.1}, cuBLAS {@code libcublas.so.13}) in this
 * order: a file named by an environment override, the soname through the dynamic loader's search path, then the
 * CUDA toolkit's library folders, then the folders pip's {@code nvidia-*} wheels install ({@code nvidia/<x>/lib}).
 * When the override is set it is the only place tried: a user who names a file means that file.
 *
 * <p>The library stays loaded for the life of the JVM (the global arena): downcall handles into it may be held by
 * any backend, and a driver cannot be safely unloaded anyway.
 */
@SuppressWarnings("restricted") // binding native code is what this class is for (--enable-native-access)
public final class LibraryLocator {
    private LibraryLocator() {}

    /** An opened library and where it was found (a path, or {@code "soname libcuda.so.1"}). */
    public record Found(SymbolLookup lookup, String where) {}

    /** Every place tried and why each failed; empty {@link #found()} when nothing loaded. */
    public record Result(Optional<Found> found, List<String> tried) {
        /** One line naming the library and every place tried. */
        public String describeFailure(String soname) {
            return soname + " not found (tried: " + String.join("; ", tried) + ")";
        }
    }

    /**
     * @param soname       the library's soname, e.g. {@code libcuda.so.1}
     * @param overridePath the override's value (a file path), or null/blank when not set
     * @param overrideName the override's name for messages, e.g. {@code JINN_CUDA_LIBRARY}
     * @param dirs         folders to look in after the soname, in order
     * @param trySoname    false to skip the dynamic loader (tests)
     */
    public static Result locate(String soname, String overridePath, String overrideName, List<Path> dirs,
                                boolean trySoname) {
        List<String> tried = new ArrayList<>();
        if (overridePath != null && !overridePath.isBlank()) {
            Path p = Path.of(overridePath.trim());
            return new Result(open(p, overrideName + "=" + p, tried), tried);
        }
        if (trySoname) {
            try {
                return new Result(Optional.of(new Found(SymbolLookup.libraryLookup(soname, Arena.global()),
                        "soname " + soname)), tried);
            } catch (IllegalArgumentException e) {
                tried.add("dlopen(" + soname + "): not on the loader's search path");
            }
        }
        for (Path dir : dirs) {
            Path p = dir.resolve(soname);
            if (!Files.exists(p)) {
                tried.add(p + ": absent");
                continue;
            }
            Optional<Found> f = open(p, p.toString(), tried);
            if (f.isPresent()) {
                return new Result(f, tried);
            }
        }
        return new Result(Optional.empty(), tried);
    }

    private static Optional<Found> open(Path p, String label, List<String> tried) {
        if (!Files.isRegularFile(p)) {
            tried.add(label + ": no such file");
            return Optional.empty();
        }
        try {
            return Optional.of(new Found(SymbolLookup.libraryLookup(p, Arena.global()), p.toString()));
        } catch (IllegalArgumentException e) {
            tried.add(label + ": exists but dlopen failed (not a loadable library for this machine)");
            return Optional.empty();
        }
    }

    /**
     * The folders to search after the soname, for this environment: {@code $CUDA_HOME} and {@code $CUDA_PATH}
     * ({@code lib64}, {@code lib}), {@code /usr/local/cuda*}{@code /lib64} (newest name first),
     * {@code /usr/lib/x86_64-linux-gnu}, {@code /usr/lib/wsl/lib}, then {@code nvidia/*}{@code /lib} under the
     * Python package folders of {@code /usr}, {@code /usr/local}, {@code ~/.local}, {@code $VIRTUAL_ENV} and
     * {@code $CONDA_PREFIX}.
     *
     * @param env  the environment to read (the real one, or a test's)
     * @param root the file system root the absolute folders hang from ({@code /}, or a test's temporary folder)
     * @param home the user's home folder
     */
    public static List<Path> searchDirs(Map<String, String> env, Path root, Path home) {
        Set<Path> out = new LinkedHashSet<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                out.add(Path.of(v.trim()).resolve("lib64"));
                out.add(Path.of(v.trim()).resolve("lib"));
            }
        }
        Path usrLocal = root.resolve("usr/local");
        out.add(usrLocal.resolve("cuda/lib64"));
        children(usrLocal, "cuda-").stream().sorted(Comparator.reverseOrder())
                .forEach(d -> out.add(d.resolve("lib64")));
        out.add(root.resolve("usr/lib/x86_64-linux-gnu"));
        out.add(root.resolve("usr/lib/wsl/lib"));
        List<Path> prefixes = new ArrayList<>(List.of(root.resolve("usr"), usrLocal, home.resolve(".local")));
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                prefixes.add(Path.of(v.trim()));
            }
        }
        for (Path prefix : prefixes) {
            for (Path py : children(prefix.resolve("lib"), "python3")) {
                for (String pkgs : List.of("site-packages", "dist-packages")) {
                    for (Path lib : children(py.resolve(pkgs).resolve("nvidia"), "")) {
                        out.add(lib.resolve("lib"));
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static List<Path> children(Path dir, String prefix) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p) && p.getFileName().toString().startsWith(prefix)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }
}
