package dev.jinn.runtime.cpu;

import dev.jinn.runtime.cpu.internal.Kernels;
import dev.jinn.runtime.cpu.internal.ScalarKernels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the Vector API kernels when the JVM has {@code jdk.incubator.vector}, the scalar ones otherwise (with one
 * WARN naming the flag). The vector class is loaded by name only after the check, so this module loads without it.
 */
final class KernelSelector {
    private static final Logger LOG = LoggerFactory.getLogger(KernelSelector.class);
    private static volatile Kernels best;

    private KernelSelector() {}

    static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !Boolean.getBoolean("jinn.cpu.scalar");
    }

    static Kernels best() {
        Kernels k = best;
        if (k == null) {
            synchronized (KernelSelector.class) {
                k = best;
                if (k == null) {
                    k = select();
                    best = k;
                }
            }
        }
        return k;
    }

    private static Kernels select() {
        if (!ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            LOG.warn("The Vector API is not enabled: running on slow scalar CPU kernels. "
                    + "Start the JVM with --add-modules jdk.incubator.vector");
            return new ScalarKernels();
        }
        if (Boolean.getBoolean("jinn.cpu.scalar")) {
            LOG.info("jinn.cpu.scalar=true: using the scalar CPU kernels");
            return new ScalarKernels();
        }
        try {
            return (Kernels) Class.forName("dev.jinn.runtime.cpu.internal.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("Vector API kernels failed to load ({}); running on scalar CPU kernels", e.toString());
            return new ScalarKernels();
        }
    }
}
