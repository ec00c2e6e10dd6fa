package dev.jinn.runtime.cpu;

import dev.jinn.spi.Backend;
import dev.jinn.spi.BackendAvailability;
import dev.jinn.spi.BackendOptions;
import dev.jinn.spi.BackendProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the CPU backend: always available, priority 10 (GPU backends rank above it). */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 10;
    }

    /**
     * Available RAM: {@code MemAvailable} of /proc/meminfo (free memory plus page cache the kernel can reclaim, which
     * is where mapped weights live), or the {@code jinn.cpu.memoryBytes} system property when set; -1 elsewhere.
     */
    @Override
    public long memoryBytes() {
        String forced = System.getProperty("jinn.cpu.memoryBytes");
        if (forced != null) {
            try {
                return Long.parseLong(forced.trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public BackendAvailability availability() {
        int cores = Runtime.getRuntime().availableProcessors();
        return BackendAvailability.available(cores + " cores, "
                + (KernelSelector.vectorApiPresent() ? "Vector API kernels"
                        : "scalar kernels (add --add-modules jdk.incubator.vector for speed)"));
    }

    @Override
    public Backend create(BackendOptions options) {
        return CpuBackend.create(options.threads());
    }
}
