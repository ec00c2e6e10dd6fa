package dev.jinn.runtime.cpu;

import dev.jinn.spi.Backend;
import dev.jinn.spi.BackendAvailability;
import dev.jinn.spi.BackendOptions;
import dev.jinn.spi.BackendProvider;

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
