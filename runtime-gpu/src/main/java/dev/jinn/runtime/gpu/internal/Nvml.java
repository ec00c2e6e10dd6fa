package dev.jinn.runtime.gpu.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The three NVML functions that tell a device's free memory without a CUDA context (which would itself take
 * hundreds of MiB of it): {@code nvmlInit_v2}, {@code nvmlDeviceGetHandleByPciBusId_v2} (the device is matched
 * to CUDA's by PCI bus id, since NVML and CUDA may number devices differently) and {@code nvmlDeviceGetMemoryInfo}
 * ({@code nvmlMemory_t}: total, free, used, each {@code unsigned long long}). Signatures from NVIDIA's NVML API
 * reference. Thread-safe.
 */
@SuppressWarnings("restricted") // binding native code is what this class is for (--enable-native-access)
public final class Nvml {
    private final MethodHandle byBusId;
    private final MethodHandle memoryInfo;

    private Nvml(MethodHandle byBusId, MethodHandle memoryInfo) {
        this.byBusId = byBusId;
        this.memoryInfo = memoryInfo;
    }

    /** Binds and initialises NVML from {@code lib}; empty when a function is missing or {@code nvmlInit_v2} fails. */
    public static Optional<Nvml> open(SymbolLookup lib, String where) {
        try {
            CudaDriver.Binder b = new CudaDriver.Binder(lib, where);
            MethodHandle init = b.bind("nvmlInit_v2");
            Nvml n = new Nvml(b.bind("nvmlDeviceGetHandleByPciBusId_v2", ADDRESS, ADDRESS),
                    b.bind("nvmlDeviceGetMemoryInfo", ADDRESS, ADDRESS));
            return (int) init.invokeExact() == 0 ? Optional.of(n) : Optional.empty();
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    /** Free memory of the device at {@code pciBusId} (as {@code cuDeviceGetPCIBusId} writes it), or -1. */
    public long freeBytes(String pciBusId) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment handle = a.allocate(ADDRESS);
            if ((int) byBusId.invokeExact(a.allocateFrom(pciBusId), handle) != 0) {
                return -1;
            }
            MemorySegment mem = a.allocate(3 * 8L, 8); // nvmlMemory_t: total, free, used
            if ((int) memoryInfo.invokeExact(handle.get(ADDRESS, 0), mem) != 0) {
                return -1;
            }
            return mem.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            return -1;
        }
    }
}
