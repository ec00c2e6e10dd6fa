package dev.jinn.runtime.gpu;

import dev.jinn.BackendUnavailableException;
import dev.jinn.runtime.gpu.internal.Cublas;
import dev.jinn.runtime.gpu.internal.CudaDriver;
import dev.jinn.runtime.gpu.internal.LibraryLocator;
import dev.jinn.runtime.gpu.internal.Nvml;
import dev.jinn.spi.Backend;
import dev.jinn.spi.BackendAvailability;
import dev.jinn.spi.BackendOptions;
import dev.jinn.spi.BackendProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the CUDA backend: name {@code cuda}, priority 100 (above the CPU's 10).
 *
 * <p>{@link #availability()} probes once per JVM (cached): it opens {@code libcuda.so.1} (see
 * {@link LibraryLocator}; {@code JINN_CUDA_LIBRARY} overrides), calls {@code cuInit}, and reads the driver's CUDA
 * version, the device count and device 0's compute capability and memory. It creates no context, allocates no
 * device memory and starts no thread. Unavailable, with the reason, when there is no driver, no device, a driver
 * older than {@value #MIN_DRIVER_VERSION} (CUDA 13.0: the kernels and libcublas.so.13 are built with CUDA 13), a
 * device below compute capability 8.0 (the fatbin holds sm_90 SASS and compute_80 PTX), or no kernel image in the
 * jar. {@link #memoryBytes()} asks NVML ({@code libnvidia-ml.so.1}, part of the driver) for free memory.
 */
public final class CudaBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackendProvider.class);
    /** The driver must support this CUDA version (1000 × major + 10 × minor). */
    public static final int MIN_DRIVER_VERSION = 13000;
    /** Lowest compute capability (major × 10 + minor) the kernel image runs on. */
    public static final int MIN_COMPUTE_CAPABILITY = 80;
    /** The kernel image, a class-path resource next to {@code dev.jinn.runtime.gpu.kernels.Kernel}. */
    public static final String KERNEL_IMAGE = "/dev/jinn/runtime/gpu/kernels/jinn-kernels.fatbin";
    /**
     * Device memory kept out of what {@link #memoryBytes()} offers a model: the context, cuBLAS's workspace and the
     * module (about 0.5 GiB on recent GPUs) plus the F16 prefill tile scratch.
     */
    public static final long RESERVED_BYTES = (512L << 20) + CudaBackend.DEFAULT_TILE_BYTES;

    /**
     * What one probe found.
     *
     * @param nvml     NVML for free memory, or null where it is absent
     * @param pciBusId device 0's PCI bus id (to find it in NVML), or null
     */
    record Probe(BackendAvailability availability, CudaDriver driver, long totalMemory, Nvml nvml, String pciBusId) {
        Probe(BackendAvailability availability, CudaDriver driver, long totalMemory) {
            this(availability, driver, totalMemory, null, null);
        }

        Probe withNvml(Nvml n) {
            return new Probe(availability, driver, totalMemory, n, pciBusId);
        }
    }

    private static final class Cached {
        static final Probe PROBE = probeSystem();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public BackendAvailability availability() {
        return Cached.PROBE.availability();
    }

    /**
     * Device 0's free memory (from NVML, asked each time; a CUDA context would itself take hundreds of MiB, so
     * probing does not create one) less {@link #RESERVED_BYTES}; its total memory less that where NVML is absent;
     * -1 when unavailable.
     */
    @Override
    public long memoryBytes() {
        return memoryOf(Cached.PROBE);
    }

    static long memoryOf(Probe p) {
        if (!p.availability().available()) {
            return -1;
        }
        long free = p.nvml() != null && p.pciBusId() != null ? p.nvml().freeBytes(p.pciBusId()) : -1;
        return Math.max(0, (free >= 0 ? free : p.totalMemory()) - RESERVED_BYTES);
    }

    @Override
    public Backend create(BackendOptions options) {
        Probe p = Cached.PROBE;
        if (!p.availability().available()) {
            throw new BackendUnavailableException("CUDA backend: " + p.availability().reason());
        }
        byte[] image = kernelImage().orElseThrow(
                () -> new BackendUnavailableException("CUDA backend: no kernel image " + KERNEL_IMAGE + " in the jar"));
        Cublas blas = null;
        LibraryLocator.Result r = LibraryLocator.locate("libcublas.so.13", System.getenv("JINN_CUBLAS_LIBRARY"),
                "JINN_CUBLAS_LIBRARY", systemDirs(), true);
        if (r.found().isPresent()) {
            blas = new Cublas(r.found().get().lookup(), r.found().get().where());
        } else {
            LOG.warn("cuBLAS not found, prefill runs on the mat-vec kernels (slower): {}",
                    r.describeFailure("libcublas.so.13"));
        }
        CudaBackend b = CudaBackend.open(p.driver(), blas, image, CudaBackend.Config.fromSystemProperties());
        LOG.info("CUDA backend on {} ({}, cuBLAS {})", b.deviceName(), p.driver().where(),
                blas == null ? "absent" : blas.where());
        return b;
    }

    private static java.util.List<Path> systemDirs() {
        return LibraryLocator.searchDirs(System.getenv(), Path.of("/"), Path.of(System.getProperty("user.home", "/")));
    }

    private static Probe probeSystem() {
        try {
            LibraryLocator.Result r = LibraryLocator.locate("libcuda.so.1", System.getenv("JINN_CUDA_LIBRARY"),
                    "JINN_CUDA_LIBRARY", systemDirs(), true);
            if (r.found().isEmpty()) {
                return new Probe(BackendAvailability.unavailable("no CUDA driver: " + r.describeFailure("libcuda.so.1")
                        + "; install the NVIDIA driver or set JINN_CUDA_LIBRARY"), null, -1);
            }
            CudaDriver d = new CudaDriver(r.found().get().lookup(), r.found().get().where());
            Probe p = probe(d, CudaBackendProvider.class.getResource(KERNEL_IMAGE) != null);
            if (p.availability().available()) {
                LibraryLocator.Result n = LibraryLocator.locate("libnvidia-ml.so.1", null, "", systemDirs(), true);
                if (n.found().isPresent()) {
                    p = p.withNvml(Nvml.open(n.found().get().lookup(), n.found().get().where()).orElse(null));
                }
            }
            return p;
        } catch (RuntimeException | LinkageError e) {
            return new Probe(BackendAvailability.unavailable("probing CUDA failed: " + e.getMessage()), null, -1);
        }
    }

    /** Checks a bound driver: init, version, devices, compute capability, and whether the kernel image exists. */
    static Probe probe(CudaDriver d, boolean imagePresent) {
        try {
            d.init();
        } catch (CudaException e) {
            String hint = e.code() == CudaDriver.ERROR_NO_DEVICE ? "no CUDA device: " : "the CUDA driver at "
                    + d.where() + " does not start: ";
            return new Probe(BackendAvailability.unavailable(hint + e.getMessage()), d, -1);
        }
        int version = d.driverVersion();
        String v = version / 1000 + "." + version % 1000 / 10;
        if (version < MIN_DRIVER_VERSION) {
            return new Probe(BackendAvailability.unavailable("the NVIDIA driver supports CUDA " + v
                    + "; Jinn's kernels need CUDA " + MIN_DRIVER_VERSION / 1000 + "." + MIN_DRIVER_VERSION % 1000 / 10
                    + " or newer (update the driver)"), d, -1);
        }
        int count = d.deviceCount();
        if (count < 1) {
            return new Probe(BackendAvailability.unavailable("no CUDA device (driver CUDA " + v + ")"), d, -1);
        }
        int dev = d.device(0);
        int cc = d.deviceAttribute(dev, CudaDriver.ATTR_CC_MAJOR) * 10 + d.deviceAttribute(dev, CudaDriver.ATTR_CC_MINOR);
        String name = d.deviceName(dev);
        long total = d.deviceTotalMemory(dev);
        if (cc < MIN_COMPUTE_CAPABILITY) {
            return new Probe(BackendAvailability.unavailable(name + " has compute capability " + cc / 10 + "."
                    + cc % 10 + "; Jinn's kernels need " + MIN_COMPUTE_CAPABILITY / 10 + "."
                    + MIN_COMPUTE_CAPABILITY % 10 + " or newer"), d, total);
        }
        if (!imagePresent) {
            return new Probe(BackendAvailability.unavailable("the jar has no kernel image " + KERNEL_IMAGE
                    + " (a build without the CUDA kernels)"), d, total);
        }
        return new Probe(BackendAvailability.available(String.format(Locale.ROOT,
                "%s, compute capability %d.%d, %.1f GiB, driver CUDA %s", name, cc / 10, cc % 10,
                total / (double) (1L << 30), v)), d, total, null, d.pciBusId(dev));
    }

    /** The kernel fatbin from the class path, if this jar has one. */
    static Optional<byte[]> kernelImage() {
        try (InputStream in = CudaBackendProvider.class.getResourceAsStream(KERNEL_IMAGE)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + KERNEL_IMAGE, e);
        }
    }
}
