package dev.jinn.runtime.cpu;

import dev.jinn.runtime.cpu.internal.Kernels;
import dev.jinn.runtime.cpu.internal.ScalarKernels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the CPU kernels for this JVM and CPU. With {@code jdk.incubator.vector}: the AVX-512 kernels
 * ({@code VectorKernels}) where the JVM's preferred vector is 512 bits wide, the portable 128/256-bit ones
 * ({@code PortableKernels}: AVX2, Arm NEON) otherwise; without the module, the scalar ones after one WARN naming the
 * flag. The system property {@code jinn.cpu.kernels} ({@code auto}, {@code avx512}, {@code portable},
 * {@code scalar}) overrides the choice; {@code jinn.cpu.scalar=true} is {@code scalar}. Vector classes are loaded by
 * name only after the module check, so this module loads without it.
 */
final class KernelSelector {
    private static final Logger LOG = LoggerFactory.getLogger(KernelSelector.class);
    private static volatile String logged;

    private KernelSelector() {}

    static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && !"scalar".equals(choice());
    }

    private static String choice() {
        if (Boolean.getBoolean("jinn.cpu.scalar")) {
            return "scalar";
        }
        return System.getProperty("jinn.cpu.kernels", "auto").trim().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * New kernels as the properties ask; logs the choice once per distinct outcome.
     *
     * @throws IllegalArgumentException if {@code jinn.cpu.kernels} names no kernel set, or (on the first load of the
     *                                  portable kernels) {@code jinn.cpu.portableBits} is not 128 or 256
     */
    static Kernels best() {
        String choice = choice();
        boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        String pick;
        String why;
        switch (choice) {
            case "scalar" -> {
                pick = "scalar";
                why = "jinn.cpu.kernels=scalar";
            }
            case "avx512", "portable", "auto" -> {
                if (!vectorModule) {
                    pick = "scalar";
                    why = null;
                } else if (!choice.equals("auto")) {
                    pick = choice;
                    why = "jinn.cpu.kernels=" + choice;
                } else {
                    int bits = preferredVectorBits();
                    pick = bits >= 512 ? "avx512" : bits >= 128 ? "portable" : "scalar";
                    why = "the JVM's preferred vector is " + bits + " bits";
                }
            }
            default -> throw new IllegalArgumentException("jinn.cpu.kernels=" + choice
                    + " names no CPU kernels: use auto, avx512, portable or scalar");
        }
        Kernels k = switch (pick) {
            case "avx512" -> load("dev.jinn.runtime.cpu.internal.VectorKernels");
            case "portable" -> load("dev.jinn.runtime.cpu.internal.PortableKernels");
            default -> null;
        };
        if (k == null) {
            k = new ScalarKernels();
        }
        String outcome = k.name() + (why == null ? "" : " (" + why + ")");
        if (!outcome.equals(logged)) {
            logged = outcome;
            if (!vectorModule) {
                LOG.warn("The Vector API is not enabled: running on slow scalar CPU kernels. "
                        + "Start the JVM with --add-modules jdk.incubator.vector");
            } else if (k instanceof ScalarKernels && !"scalar".equals(choice)) {
                LOG.warn("CPU kernels: {}; no vector kernels for this CPU, expect it to be slow", outcome);
            } else {
                LOG.info("CPU kernels: {}", outcome);
            }
        }
        return k;
    }

    /** The width of the Vector API's preferred shape; only called once the module is known to be present. */
    private static int preferredVectorBits() {
        return jdk.incubator.vector.VectorShape.preferredShape().vectorBitSize();
    }

    /**
     * @throws IllegalArgumentException if the kernels reject their configuration ({@code jinn.cpu.portableBits})
     */
    private static Kernels load(String className) {
        try {
            return (Kernels) Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw bad; // a mistyped property is the caller's to fix, not a reason to run 20x slower
            }
            LOG.warn("Vector API kernels {} failed to load ({}); running on scalar CPU kernels", className,
                    e.toString());
            return null;
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("Vector API kernels {} failed to load ({}); running on scalar CPU kernels", className,
                    e.toString());
            return null;
        }
    }
}
