package dev.jinn.runtime.gpu.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jinn.BackendUnavailableException;
import dev.jinn.runtime.gpu.CudaException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The CUDA driver API functions Jinn uses, bound with {@code java.lang.foreign} downcall handles (signatures and
 * {@code _v2} names from CUDA 13.0's {@code cuda.h}). Every call that returns a {@code CUresult} other than
 * {@code CUDA_SUCCESS} throws {@link CudaException} naming the function, the code and its
 * {@code cuGetErrorName}. Device pointers ({@code CUdeviceptr}) are {@code long}s; opaque handles (contexts,
 * streams, modules, functions, events, graphs) are {@link MemorySegment} addresses. Thread-safe (the driver is).
 */
@SuppressWarnings("restricted") // binding native code is what this class is for (--enable-native-access)
public final class CudaDriver {
    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR}. */
    public static final int ATTR_CC_MAJOR = 75;
    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR}. */
    public static final int ATTR_CC_MINOR = 76;
    /** {@code CU_STREAM_NON_BLOCKING}: no implicit synchronisation with the legacy default stream. */
    public static final int STREAM_NON_BLOCKING = 1;
    /** {@code CU_STREAM_CAPTURE_MODE_RELAXED}: other threads and this one may still allocate while capturing. */
    public static final int CAPTURE_MODE_RELAXED = 2;
    /** {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public static final int ERROR_OUT_OF_MEMORY = 2;
    /** {@code CUDA_ERROR_NO_DEVICE}. */
    public static final int ERROR_NO_DEVICE = 100;

    private static final Linker LINKER = Linker.nativeLinker();

    private final String where;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDeviceGetPCIBusId;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuMemGetInfo;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemAllocHost;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuMemcpyHtoD;
    private final MethodHandle cuMemcpyDtoH;
    private final MethodHandle cuMemcpyDtoD;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuModuleLoadData;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final String cuEventElapsedTimeName;
    private final MethodHandle cuStreamBeginCapture;
    private final MethodHandle cuStreamEndCapture;
    private final MethodHandle cuGraphInstantiateWithFlags;
    private final MethodHandle cuGraphLaunch;
    private final MethodHandle cuGraphExecDestroy;
    private final MethodHandle cuGraphDestroy;

    /**
     * Binds every function from {@code lib} (the real {@code libcuda.so.1}, or a test's fake).
     *
     * @param where where the library came from, for messages
     * @throws BackendUnavailableException if a function is missing (a driver older than CUDA 12)
     */
    public CudaDriver(SymbolLookup lib, String where) {
        this.where = where;
        Binder b = new Binder(lib, where);
        cuGetErrorName = b.bind("cuGetErrorName", JAVA_INT, ADDRESS);
        cuInit = b.bind("cuInit", JAVA_INT);
        cuDriverGetVersion = b.bind("cuDriverGetVersion", ADDRESS);
        cuDeviceGetCount = b.bind("cuDeviceGetCount", ADDRESS);
        cuDeviceGet = b.bind("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = b.bind("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceTotalMem = b.bind("cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
        cuDeviceGetPCIBusId = b.bind("cuDeviceGetPCIBusId", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = b.bind("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDevicePrimaryCtxRetain = b.bind("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = b.bind("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        cuCtxSetCurrent = b.bind("cuCtxSetCurrent", ADDRESS);
        cuMemGetInfo = b.bind("cuMemGetInfo_v2", ADDRESS, ADDRESS);
        cuMemAlloc = b.bind("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = b.bind("cuMemFree_v2", JAVA_LONG);
        cuMemAllocHost = b.bind("cuMemAllocHost_v2", ADDRESS, JAVA_LONG);
        cuMemFreeHost = b.bind("cuMemFreeHost", ADDRESS);
        cuMemcpyHtoD = b.bind("cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
        cuMemcpyDtoH = b.bind("cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
        cuMemcpyDtoD = b.bind("cuMemcpyDtoD_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
        cuMemcpyHtoDAsync = b.bind("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoHAsync = b.bind("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuMemcpyDtoDAsync = b.bind("cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuModuleLoadData = b.bind("cuModuleLoadData", ADDRESS, ADDRESS);
        cuModuleGetFunction = b.bind("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuModuleUnload = b.bind("cuModuleUnload", ADDRESS);
        cuLaunchKernel = b.bind("cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuStreamCreate = b.bind("cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamDestroy = b.bind("cuStreamDestroy_v2", ADDRESS);
        cuStreamSynchronize = b.bind("cuStreamSynchronize", ADDRESS);
        cuEventCreate = b.bind("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventDestroy = b.bind("cuEventDestroy_v2", ADDRESS);
        cuEventRecord = b.bind("cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = b.bind("cuEventSynchronize", ADDRESS);
        // CUDA 12.8 added the _v2 (cuda.h maps cuEventElapsedTime to it); older 12.x drivers only have the first
        MethodHandle elapsed = b.bindOptional("cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS).orElse(null);
        cuEventElapsedTimeName = elapsed != null ? "cuEventElapsedTime_v2" : "cuEventElapsedTime";
        cuEventElapsedTime = elapsed != null ? elapsed : b.bind("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        cuStreamBeginCapture = b.bind("cuStreamBeginCapture_v2", ADDRESS, JAVA_INT);
        cuStreamEndCapture = b.bind("cuStreamEndCapture", ADDRESS, ADDRESS);
        cuGraphInstantiateWithFlags = b.bind("cuGraphInstantiateWithFlags", ADDRESS, ADDRESS, JAVA_LONG);
        cuGraphLaunch = b.bind("cuGraphLaunch", ADDRESS, ADDRESS);
        cuGraphExecDestroy = b.bind("cuGraphExecDestroy", ADDRESS);
        cuGraphDestroy = b.bind("cuGraphDestroy", ADDRESS);
    }

    /** Where the library was loaded from. */
    public String where() {
        return where;
    }

    /** Binds functions returning {@code int} ({@code CUresult} / {@code cublasStatus_t}) from one library. */
    static final class Binder {
        private final SymbolLookup lib;
        private final String where;

        Binder(SymbolLookup lib, String where) {
            this.lib = lib;
            this.where = where;
        }

        MethodHandle bind(String name, java.lang.foreign.MemoryLayout... args) {
            return bindOptional(name, args).orElseThrow(() -> new BackendUnavailableException(
                    "the library at " + where + " has no function " + name + " (too old a CUDA version?)"));
        }

        Optional<MethodHandle> bindOptional(String name, java.lang.foreign.MemoryLayout... args) {
            return lib.find(name).map(addr -> LINKER.downcallHandle(addr, FunctionDescriptor.of(JAVA_INT, args)));
        }
    }

    // ---- errors ----------------------------------------------------------------------------------------------

    /** {@code cuGetErrorName}, or "unknown" when the driver does not know the code. */
    public String errorName(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int rc = (int) cuGetErrorName.invokeExact(code, out);
            MemorySegment s = out.get(ADDRESS, 0);
            if (rc != 0 || s.equals(MemorySegment.NULL)) {
                return "unknown";
            }
            return s.reinterpret(256).getString(0, StandardCharsets.US_ASCII);
        } catch (Throwable t) {
            return "unknown";
        }
    }

    private void check(int rc, String function, String doing) {
        if (rc != 0) {
            throw new CudaException(function, rc, errorName(rc), doing);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ---- initialisation and devices --------------------------------------------------------------------------

    public void init() {
        try {
            check((int) cuInit.invokeExact(0), "cuInit", "initialising the driver");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The CUDA version the driver supports, as 1000 × major + 10 × minor (12000 = 12.0). */
    public int driverVersion() {
        return intOut(cuDriverGetVersion, "cuDriverGetVersion");
    }

    public int deviceCount() {
        return intOut(cuDeviceGetCount, "cuDeviceGetCount");
    }

    /** The {@code CUdevice} for an ordinal. */
    public int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) cuDeviceGet.invokeExact(out, ordinal), "cuDeviceGet", "getting device " + ordinal);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(256);
            check((int) cuDeviceGetName.invokeExact(out, 256, device), "cuDeviceGetName", "naming device " + device);
            return out.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The device's PCI bus id, {@code domain:bus:device.function} (to find it in NVML). */
    public String pciBusId(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(64);
            check((int) cuDeviceGetPCIBusId.invokeExact(out, 64, device), "cuDeviceGetPCIBusId",
                    "reading the PCI bus id of device " + device);
            return out.getString(0, StandardCharsets.US_ASCII);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public long deviceTotalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check((int) cuDeviceTotalMem.invokeExact(out, device), "cuDeviceTotalMem_v2", "sizing device " + device);
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceAttribute(int device, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) cuDeviceGetAttribute.invokeExact(out, attribute, device), "cuDeviceGetAttribute",
                    "reading attribute " + attribute + " of device " + device);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- contexts --------------------------------------------------------------------------------------------

    public MemorySegment primaryContextRetain(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuDevicePrimaryCtxRetain.invokeExact(out, device), "cuDevicePrimaryCtxRetain",
                    "opening device " + device);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void primaryContextRelease(int device) {
        try {
            check((int) cuDevicePrimaryCtxRelease.invokeExact(device), "cuDevicePrimaryCtxRelease_v2",
                    "closing device " + device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void setCurrent(MemorySegment context) {
        try {
            check((int) cuCtxSetCurrent.invokeExact(context), "cuCtxSetCurrent", "making the context current");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code {free, total}} bytes of the current context's device. */
    public long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check((int) cuMemGetInfo.invokeExact(free, total), "cuMemGetInfo_v2", "reading free device memory");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    /** Allocates device memory (256-byte aligned). */
    public long memAlloc(long bytes, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check((int) cuMemAlloc.invokeExact(out, bytes), "cuMemAlloc_v2",
                    "allocating " + bytes + " bytes for " + what);
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memFree(long ptr) {
        try {
            check((int) cuMemFree.invokeExact(ptr), "cuMemFree_v2", "freeing device memory");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Allocates page-locked host memory, as a segment of {@code bytes}. */
    public MemorySegment memAllocHost(long bytes, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuMemAllocHost.invokeExact(out, bytes), "cuMemAllocHost_v2",
                    "allocating " + bytes + " bytes of pinned memory for " + what);
            return out.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memFreeHost(MemorySegment p) {
        try {
            check((int) cuMemFreeHost.invokeExact(p), "cuMemFreeHost", "freeing pinned memory");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpyHtoD(long dst, MemorySegment src, long bytes) {
        try {
            check((int) cuMemcpyHtoD.invokeExact(dst, src, bytes), "cuMemcpyHtoD_v2", "uploading " + bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpyDtoH(MemorySegment dst, long src, long bytes) {
        try {
            check((int) cuMemcpyDtoH.invokeExact(dst, src, bytes), "cuMemcpyDtoH_v2", "downloading " + bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpyDtoD(long dst, long src, long bytes) {
        try {
            check((int) cuMemcpyDtoD.invokeExact(dst, src, bytes), "cuMemcpyDtoD_v2", "copying " + bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyHtoDAsync_v2",
                    "queueing an upload of " + bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoHAsync_v2",
                    "queueing a download of " + bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoDAsync_v2",
                    "queueing a copy of " + bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- modules and launches --------------------------------------------------------------------------------

    /** Loads a fatbin/cubin/PTX image already in native memory. */
    public MemorySegment moduleLoadData(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuModuleLoadData.invokeExact(out, image), "cuModuleLoadData",
                    "loading the kernel image (" + image.byteSize() + " bytes)");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuModuleGetFunction.invokeExact(out, module, a.allocateFrom(name)), "cuModuleGetFunction",
                    "looking up kernel " + name);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void moduleUnload(MemorySegment module) {
        try {
            check((int) cuModuleUnload.invokeExact(module), "cuModuleUnload", "unloading the kernel image");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * @param params {@code void*[]} of pointers to each argument's value (the driver copies the values)
     * @param what   the kernel's name, for messages
     */
    public void launchKernel(MemorySegment function, int gx, int gy, int gz, int bx, int by, int bz, int shared,
                             MemorySegment stream, MemorySegment params, String what) {
        try {
            check((int) cuLaunchKernel.invokeExact(function, gx, gy, gz, bx, by, bz, shared, stream, params,
                    MemorySegment.NULL), "cuLaunchKernel", "launching " + what);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- streams, events, graphs -----------------------------------------------------------------------------

    public MemorySegment streamCreate(int flags) {
        return handleOut(cuStreamCreate, flags, "cuStreamCreate", "creating a stream");
    }

    public void streamDestroy(MemorySegment stream) {
        call(cuStreamDestroy, stream, "cuStreamDestroy_v2", "destroying a stream");
    }

    public void streamSynchronize(MemorySegment stream) {
        call(cuStreamSynchronize, stream, "cuStreamSynchronize", "waiting for queued GPU work");
    }

    public MemorySegment eventCreate(int flags) {
        return handleOut(cuEventCreate, flags, "cuEventCreate", "creating an event");
    }

    public void eventDestroy(MemorySegment event) {
        call(cuEventDestroy, event, "cuEventDestroy_v2", "destroying an event");
    }

    public void eventRecord(MemorySegment event, MemorySegment stream) {
        try {
            check((int) cuEventRecord.invokeExact(event, stream), "cuEventRecord", "recording an event");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void eventSynchronize(MemorySegment event) {
        call(cuEventSynchronize, event, "cuEventSynchronize", "waiting for an event");
    }

    /** Milliseconds between two recorded events. */
    public float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_FLOAT);
            check((int) cuEventElapsedTime.invokeExact(out, start, end), cuEventElapsedTimeName, "timing events");
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void streamBeginCapture(MemorySegment stream, int mode) {
        try {
            check((int) cuStreamBeginCapture.invokeExact(stream, mode), "cuStreamBeginCapture_v2",
                    "starting a graph capture");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Ends capture and returns the graph ({@code CUgraph}). */
    public MemorySegment streamEndCapture(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuStreamEndCapture.invokeExact(stream, out), "cuStreamEndCapture", "ending a graph capture");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment graphInstantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuGraphInstantiateWithFlags.invokeExact(out, graph, 0L), "cuGraphInstantiateWithFlags",
                    "instantiating the decode graph");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void graphLaunch(MemorySegment exec, MemorySegment stream) {
        try {
            check((int) cuGraphLaunch.invokeExact(exec, stream), "cuGraphLaunch", "replaying the decode graph");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void graphExecDestroy(MemorySegment exec) {
        call(cuGraphExecDestroy, exec, "cuGraphExecDestroy", "destroying a graph");
    }

    public void graphDestroy(MemorySegment graph) {
        call(cuGraphDestroy, graph, "cuGraphDestroy", "destroying a graph");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private int intOut(MethodHandle h, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) h.invokeExact(out), name, "");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private MemorySegment handleOut(MethodHandle h, int flags, String name, String doing) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) h.invokeExact(out, flags), name, doing);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private void call(MethodHandle h, MemorySegment arg, String name, String doing) {
        try {
            check((int) h.invokeExact(arg), name, doing);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
