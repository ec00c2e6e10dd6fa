package dev.jinn.runtime.gpu.fake;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jinn.quant.Float16;
import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntSupplier;

/**
 * A CUDA driver and cuBLAS made of FFM upcall stubs, for tests without a GPU: {@link #driver()} and
 * {@link #cublas()} are {@link SymbolLookup}s with every function the backend binds.
 *
 * <ul>
 *   <li>Device memory is native host memory with an allocation table: a copy or kernel argument outside every
 *       live allocation, a double free, or a pageable buffer in an async copy is recorded in {@link #errors()}
 *       (and the call fails with a CUDA error code); {@link #liveAllocations()} exposes leaks.</li>
 *   <li>Streams queue their work and run it only at synchronisation points (stream/event sync, synchronous
 *       copies, frees), so a test sees stale data unless the backend synchronised.</li>
 *   <li>{@code cuLaunchKernel} decodes {@code void** kernelParams} with {@link Kernel#params()} and runs the
 *       registered {@link FakeKernel}; stream capture records the queued work and graphs replay it.</li>
 *   <li>{@code cublasGemmEx} (F16 in, FP32 out) is computed in Java.</li>
 *   <li>Faults: {@link #failInit}, {@link #failAllocationsAfter}, {@link #failNext}.</li>
 * </ul>
 * Every entry point catches everything (an exception thrown through an upcall stub would kill the JVM).
 */
@SuppressWarnings("restricted") // binding native code is what this class is for (--enable-native-access)
public final class FakeCuda implements AutoCloseable {
    public static final int ERROR_INVALID_VALUE = 1;
    public static final int ERROR_OUT_OF_MEMORY = 2;
    public static final int ERROR_NOT_FOUND = 500;
    public static final int ERROR_ILLEGAL_ADDRESS = 700;
    public static final int ERROR_CAPTURE_UNSUPPORTED = 900;
    public static final int ERROR_UNKNOWN = 999;

    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(0, "CUDA_SUCCESS"),
            Map.entry(1, "CUDA_ERROR_INVALID_VALUE"), Map.entry(2, "CUDA_ERROR_OUT_OF_MEMORY"),
            Map.entry(3, "CUDA_ERROR_NOT_INITIALIZED"), Map.entry(35, "CUDA_ERROR_INSUFFICIENT_DRIVER"),
            Map.entry(100, "CUDA_ERROR_NO_DEVICE"), Map.entry(201, "CUDA_ERROR_INVALID_CONTEXT"),
            Map.entry(209, "CUDA_ERROR_NO_BINARY_FOR_GPU"), Map.entry(400, "CUDA_ERROR_INVALID_HANDLE"),
            Map.entry(500, "CUDA_ERROR_NOT_FOUND"), Map.entry(700, "CUDA_ERROR_ILLEGAL_ADDRESS"),
            Map.entry(900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"), Map.entry(999, "CUDA_ERROR_UNKNOWN"));

    private final Arena arena = Arena.ofShared();
    private final Map<String, MemorySegment> driverSymbols = new HashMap<>();
    private final Map<String, MemorySegment> cublasSymbols = new HashMap<>();
    private final Map<String, MemorySegment> nvmlSymbols = new HashMap<>();
    private final Map<Integer, MemorySegment> nameStrings = new HashMap<>();
    private final Map<Kernel, FakeKernel> kernels = new HashMap<>();

    private record Alloc(long base, long size, Arena arena, MemorySegment seg) {}

    private final TreeMap<Long, Alloc> device = new TreeMap<>();
    private final Map<Long, Alloc> pinned = new HashMap<>();
    private long allocatedBytes;
    private long allocLimit = Long.MAX_VALUE;
    private long totalMemory = 80L << 30;
    private int initError;
    private int driverVersion = 13000;
    private int deviceCount = 1;
    private int ccMajor = 9;
    private int ccMinor = 0;
    private int contextRefs;
    private final Map<String, Integer> failNext = new HashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    private long nextHandle = 0x1000;
    private final Map<Long, Kernel> functions = new HashMap<>();
    private final Map<Long, String> modules = new HashMap<>();
    private final Map<Long, ArrayDeque<Runnable>> streams = new LinkedHashMap<>();
    private final Map<Long, List<Runnable>> capturing = new HashMap<>();
    private final Map<Long, List<Runnable>> graphs = new HashMap<>();
    private final Map<Long, List<Runnable>> execs = new HashMap<>();
    private final Map<Long, Long> events = new HashMap<>();
    private final Map<Long, Long> blasHandles = new HashMap<>();
    private final ArrayDeque<Runnable> legacyStream = new ArrayDeque<>();

    private int kernelRuns;
    private int launchCalls;
    private int graphLaunches;
    private int captures;
    private int gemms;
    private int syncs;

    public FakeCuda() {
        stub(driverSymbols, "cuGetErrorName", JAVA_INT, ADDRESS);
        stub(driverSymbols, "cuInit", JAVA_INT);
        stub(driverSymbols, "cuDriverGetVersion", ADDRESS);
        stub(driverSymbols, "cuDeviceGetCount", ADDRESS);
        stub(driverSymbols, "cuDeviceGet", ADDRESS, JAVA_INT);
        stub(driverSymbols, "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        stub(driverSymbols, "cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
        stub(driverSymbols, "cuDeviceGetPCIBusId", ADDRESS, JAVA_INT, JAVA_INT);
        stub(nvmlSymbols, "nvmlInit_v2");
        stub(nvmlSymbols, "nvmlDeviceGetHandleByPciBusId_v2", ADDRESS, ADDRESS);
        stub(nvmlSymbols, "nvmlDeviceGetMemoryInfo", ADDRESS, ADDRESS);
        stub(driverSymbols, "cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        stub(driverSymbols, "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        stub(driverSymbols, "cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        stub(driverSymbols, "cuCtxSetCurrent", ADDRESS);
        stub(driverSymbols, "cuMemGetInfo_v2", ADDRESS, ADDRESS);
        stub(driverSymbols, "cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        stub(driverSymbols, "cuMemFree_v2", JAVA_LONG);
        stub(driverSymbols, "cuMemAllocHost_v2", ADDRESS, JAVA_LONG);
        stub(driverSymbols, "cuMemFreeHost", ADDRESS);
        stub(driverSymbols, "cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
        stub(driverSymbols, "cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
        stub(driverSymbols, "cuMemcpyDtoD_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
        stub(driverSymbols, "cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        stub(driverSymbols, "cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        stub(driverSymbols, "cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
        stub(driverSymbols, "cuModuleLoadData", ADDRESS, ADDRESS);
        stub(driverSymbols, "cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        stub(driverSymbols, "cuModuleUnload", ADDRESS);
        stub(driverSymbols, "cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        stub(driverSymbols, "cuStreamCreate", ADDRESS, JAVA_INT);
        stub(driverSymbols, "cuStreamDestroy_v2", ADDRESS);
        stub(driverSymbols, "cuStreamSynchronize", ADDRESS);
        stub(driverSymbols, "cuEventCreate", ADDRESS, JAVA_INT);
        stub(driverSymbols, "cuEventDestroy_v2", ADDRESS);
        stub(driverSymbols, "cuEventRecord", ADDRESS, ADDRESS);
        stub(driverSymbols, "cuEventSynchronize", ADDRESS);
        stub(driverSymbols, "cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS);
        stub(driverSymbols, "cuStreamBeginCapture_v2", ADDRESS, JAVA_INT);
        stub(driverSymbols, "cuStreamEndCapture", ADDRESS, ADDRESS);
        stub(driverSymbols, "cuGraphInstantiateWithFlags", ADDRESS, ADDRESS, JAVA_LONG);
        stub(driverSymbols, "cuGraphLaunch", ADDRESS, ADDRESS);
        stub(driverSymbols, "cuGraphExecDestroy", ADDRESS);
        stub(driverSymbols, "cuGraphDestroy", ADDRESS);
        stub(cublasSymbols, "cublasCreate_v2", ADDRESS);
        stub(cublasSymbols, "cublasDestroy_v2", ADDRESS);
        stub(cublasSymbols, "cublasSetStream_v2", ADDRESS, ADDRESS);
        stub(cublasSymbols, "cublasGemmEx", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT);
    }

    private void stub(Map<String, MemorySegment> into, String name, MemoryLayout... args) {
        FunctionDescriptor fd = FunctionDescriptor.of(JAVA_INT, args);
        try {
            MethodHandle mh = MethodHandles.lookup().findVirtual(FakeCuda.class, name, fd.toMethodType()).bindTo(this);
            into.put(name, Linker.nativeLinker().upcallStub(mh, fd, arena));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("FakeCuda lacks " + name, e);
        }
    }

    // ---- what tests use --------------------------------------------------------------------------------------

    /** The fake {@code libcuda}. */
    public SymbolLookup driver() {
        return name -> Optional.ofNullable(driverSymbols.get(name));
    }

    /** The fake {@code libcublas}. */
    public SymbolLookup cublas() {
        return name -> Optional.ofNullable(cublasSymbols.get(name));
    }

    /** A fake {@code libnvidia-ml}: free memory is what this driver has not allocated, less {@link #usedElsewhere}. */
    public SymbolLookup nvml() {
        return name -> Optional.ofNullable(nvmlSymbols.get(name));
    }

    private long usedElsewhere;

    /** Memory other processes hold, as NVML would count it. */
    public synchronized FakeCuda usedElsewhere(long bytes) {
        usedElsewhere = bytes;
        return this;
    }

    /** Registers the Java twins run for launches of these kernels. */
    public synchronized FakeCuda kernels(Map<Kernel, FakeKernel> twins) {
        kernels.putAll(twins);
        return this;
    }

    public synchronized FakeCuda failInit(int code) {
        initError = code;
        return this;
    }

    /** {@code cuMemAlloc} fails with {@code CUDA_ERROR_OUT_OF_MEMORY} once {@code bytes} are allocated. */
    public synchronized FakeCuda failAllocationsAfter(long bytes) {
        allocLimit = bytes;
        return this;
    }

    /** The next call of {@code function} returns {@code code}. */
    public synchronized FakeCuda failNext(String function, int code) {
        failNext.put(function, code);
        return this;
    }

    public synchronized FakeCuda driverVersion(int v) {
        driverVersion = v;
        return this;
    }

    public synchronized FakeCuda computeCapability(int major, int minor) {
        ccMajor = major;
        ccMinor = minor;
        return this;
    }

    public synchronized FakeCuda deviceCount(int n) {
        deviceCount = n;
        return this;
    }

    public synchronized FakeCuda totalMemory(long bytes) {
        totalMemory = bytes;
        return this;
    }

    /** Misuse found so far (out-of-range copies, double frees, pageable async copies, kernel failures). */
    public List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    public synchronized int liveAllocations() {
        return device.size();
    }

    public synchronized long allocatedBytes() {
        return allocatedBytes;
    }

    public synchronized int livePinned() {
        return pinned.size();
    }

    /** Streams, events, modules, graphs, graph execs, cuBLAS handles and primary-context references still held. */
    public synchronized int liveHandles() {
        return streams.size() + events.size() + modules.size() + graphs.size() + execs.size() + blasHandles.size()
                + contextRefs;
    }

    /** Kernel runs so far (direct launches and graph nodes alike). */
    public synchronized int kernelRuns() {
        return kernelRuns;
    }

    /** {@code cuLaunchKernel} calls outside capture (work launched one kernel at a time). */
    public synchronized int launchCalls() {
        return launchCalls;
    }

    public synchronized int graphLaunches() {
        return graphLaunches;
    }

    public synchronized int captures() {
        return captures;
    }

    public synchronized int gemms() {
        return gemms;
    }

    /** Stream synchronisations so far. */
    public synchronized int syncs() {
        return syncs;
    }

    @Override
    public synchronized void close() {
        for (Alloc a : device.values()) {
            a.arena.close();
        }
        for (Alloc a : pinned.values()) {
            a.arena.close();
        }
        device.clear();
        pinned.clear();
        // the upcall stubs stay valid for the JVM's life: a backend bound to them may still be reachable
    }

    // ---- bookkeeping -----------------------------------------------------------------------------------------

    private static final class FakeFault extends RuntimeException {
        final int code;

        FakeFault(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** Functions that work without a current context (the driver's per-thread state). */
    private static final java.util.Set<String> CONTEXT_FREE = java.util.Set.of("cuGetErrorName", "cuInit",
            "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName", "cuDeviceTotalMem_v2",
            "cuDeviceGetAttribute", "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2", "cuCtxSetCurrent",
            "cuDeviceGetPCIBusId", "nvmlInit_v2", "nvmlDeviceGetHandleByPciBusId_v2", "nvmlDeviceGetMemoryInfo");
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);

    private synchronized int guard(String function, IntSupplier body) {
        try {
            Integer forced = failNext.remove(function);
            if (forced != null) {
                return forced;
            }
            if (!CONTEXT_FREE.contains(function) && (!current.get() || contextRefs == 0)) {
                throw new FakeFault(201, "called on thread " + Thread.currentThread().getName()
                        + " without a current context");
            }
            return body.getAsInt();
        } catch (FakeFault f) {
            errors.add(function + ": " + f.getMessage());
            return f.code;
        } catch (Throwable t) {
            errors.add(function + ": " + t);
            return ERROR_UNKNOWN;
        }
    }

    private long handle() {
        nextHandle += 16;
        return nextHandle;
    }

    /** The device memory {@code [ptr, ptr + bytes)}, which must lie inside one live allocation. */
    private MemorySegment dev(long ptr, long bytes) {
        var e = device.floorEntry(ptr);
        if (e == null || ptr + bytes > e.getValue().base + e.getValue().size || bytes < 0) {
            throw new FakeFault(ERROR_ILLEGAL_ADDRESS, "device range 0x" + Long.toHexString(ptr) + " + " + bytes
                    + " is outside every live allocation");
        }
        Alloc a = e.getValue();
        return a.seg.asSlice(ptr - a.base, bytes);
    }

    /** From {@code ptr} to the end of its allocation. */
    private MemorySegment devTail(long ptr) {
        var e = device.floorEntry(ptr);
        if (e == null || ptr >= e.getValue().base + e.getValue().size) {
            throw new FakeFault(ERROR_ILLEGAL_ADDRESS, "device pointer 0x" + Long.toHexString(ptr)
                    + " is outside every live allocation");
        }
        Alloc a = e.getValue();
        return a.seg.asSlice(ptr - a.base);
    }

    /** Pinned host memory {@code [p, p + bytes)}: async copies need it (the host may reuse pageable memory). */
    private MemorySegment pinnedRange(MemorySegment p, long bytes) {
        long addr = p.address();
        for (Alloc a : pinned.values()) {
            if (addr >= a.base && addr + bytes <= a.base + a.size) {
                return a.seg.asSlice(addr - a.base, bytes);
            }
        }
        throw new FakeFault(ERROR_INVALID_VALUE, "async copy with host memory 0x" + Long.toHexString(addr)
                + " that is not (entirely) pinned");
    }

    private void enqueue(MemorySegment stream, Runnable work) {
        long s = stream.address();
        List<Runnable> cap = capturing.get(s);
        if (cap != null) {
            cap.add(work);
            return;
        }
        if (s == 0) {
            legacyStream.add(work);
            return;
        }
        ArrayDeque<Runnable> q = streams.get(s);
        if (q == null) {
            throw new FakeFault(400, "unknown stream 0x" + Long.toHexString(s));
        }
        q.add(work);
    }

    private void drain(ArrayDeque<Runnable> q) {
        syncs++;
        while (!q.isEmpty()) {
            q.poll().run();
        }
    }

    private void drainAll() {
        if (!capturing.isEmpty()) {
            throw new FakeFault(ERROR_CAPTURE_UNSUPPORTED, "a synchronising call while a stream is being captured");
        }
        drain(legacyStream);
        for (ArrayDeque<Runnable> q : streams.values()) {
            drain(q);
        }
    }

    private MemorySegment cString(int code) {
        return nameStrings.computeIfAbsent(code, c -> arena.allocateFrom(NAMES.getOrDefault(c, "CUDA_ERROR_" + c)));
    }

    // ---- driver entry points (names and signatures as the backend binds them) --------------------------------

    int cuGetErrorName(int code, MemorySegment out) {
        return guard("cuGetErrorName", () -> {
            if (!NAMES.containsKey(code)) {
                return ERROR_INVALID_VALUE;
            }
            out.reinterpret(8).set(ADDRESS, 0, cString(code));
            return 0;
        });
    }

    int cuInit(int flags) {
        return guard("cuInit", () -> initError);
    }

    int cuDriverGetVersion(MemorySegment out) {
        return guard("cuDriverGetVersion", () -> {
            out.reinterpret(4).set(JAVA_INT, 0, driverVersion);
            return 0;
        });
    }

    int cuDeviceGetCount(MemorySegment out) {
        return guard("cuDeviceGetCount", () -> {
            out.reinterpret(4).set(JAVA_INT, 0, deviceCount);
            return 0;
        });
    }

    int cuDeviceGet(MemorySegment out, int ordinal) {
        return guard("cuDeviceGet", () -> {
            if (ordinal < 0 || ordinal >= deviceCount) {
                return ERROR_INVALID_VALUE;
            }
            out.reinterpret(4).set(JAVA_INT, 0, ordinal);
            return 0;
        });
    }

    int cuDeviceGetName(MemorySegment out, int len, int dev) {
        return guard("cuDeviceGetName", () -> {
            byte[] name = "Fake CUDA device\0".getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(MemorySegment.ofArray(name), 0, out.reinterpret(len), 0, Math.min(len, name.length));
            return 0;
        });
    }

    static final String BUS_ID = "00000000:1B:00.0";

    int cuDeviceGetPCIBusId(MemorySegment out, int len, int dev) {
        return guard("cuDeviceGetPCIBusId", () -> {
            byte[] id = (BUS_ID + "\0").getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(MemorySegment.ofArray(id), 0, out.reinterpret(len), 0, Math.min(len, id.length));
            return 0;
        });
    }

    int nvmlInit_v2() {
        return guard("nvmlInit_v2", () -> 0);
    }

    int nvmlDeviceGetHandleByPciBusId_v2(MemorySegment busId, MemorySegment out) {
        return guard("nvmlDeviceGetHandleByPciBusId_v2", () -> {
            if (!busId.reinterpret(64).getString(0, StandardCharsets.US_ASCII).equals(BUS_ID)) {
                return 6; // NVML_ERROR_NOT_FOUND
            }
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(0x4E564D4CL));
            return 0;
        });
    }

    int nvmlDeviceGetMemoryInfo(MemorySegment device, MemorySegment out) {
        return guard("nvmlDeviceGetMemoryInfo", () -> {
            MemorySegment m = out.reinterpret(24);
            long used = allocatedBytes + usedElsewhere;
            m.set(JAVA_LONG, 0, totalMemory);
            m.set(JAVA_LONG, 8, Math.max(0, totalMemory - used));
            m.set(JAVA_LONG, 16, used);
            return 0;
        });
    }

    int cuDeviceTotalMem_v2(MemorySegment out, int dev) {
        return guard("cuDeviceTotalMem_v2", () -> {
            out.reinterpret(8).set(JAVA_LONG, 0, totalMemory);
            return 0;
        });
    }

    int cuDeviceGetAttribute(MemorySegment out, int attr, int dev) {
        return guard("cuDeviceGetAttribute", () -> {
            int v = switch (attr) {
                case 75 -> ccMajor;
                case 76 -> ccMinor;
                default -> throw new FakeFault(ERROR_INVALID_VALUE, "attribute " + attr + " is not faked");
            };
            out.reinterpret(4).set(JAVA_INT, 0, v);
            return 0;
        });
    }

    int cuDevicePrimaryCtxRetain(MemorySegment out, int dev) {
        return guard("cuDevicePrimaryCtxRetain", () -> {
            contextRefs++;
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(0xC0DE0));
            return 0;
        });
    }

    int cuDevicePrimaryCtxRelease_v2(int dev) {
        return guard("cuDevicePrimaryCtxRelease_v2", () -> {
            if (contextRefs == 0) {
                throw new FakeFault(ERROR_INVALID_VALUE, "primary context released more often than retained");
            }
            contextRefs--;
            return 0;
        });
    }

    int cuCtxSetCurrent(MemorySegment ctx) {
        return guard("cuCtxSetCurrent", () -> {
            current.set(!ctx.equals(MemorySegment.NULL));
            return 0;
        });
    }

    int cuMemGetInfo_v2(MemorySegment free, MemorySegment total) {
        return guard("cuMemGetInfo_v2", () -> {
            long cap = Math.min(totalMemory, allocLimit);
            free.reinterpret(8).set(JAVA_LONG, 0, Math.max(0, cap - allocatedBytes));
            total.reinterpret(8).set(JAVA_LONG, 0, totalMemory);
            return 0;
        });
    }

    int cuMemAlloc_v2(MemorySegment out, long bytes) {
        return guard("cuMemAlloc_v2", () -> {
            if (bytes <= 0) {
                return ERROR_INVALID_VALUE;
            }
            if (allocatedBytes + bytes > Math.min(allocLimit, totalMemory)) {
                return ERROR_OUT_OF_MEMORY;
            }
            Arena a = Arena.ofShared();
            MemorySegment seg = a.allocate(bytes, 256);
            device.put(seg.address(), new Alloc(seg.address(), bytes, a, seg));
            allocatedBytes += bytes;
            out.reinterpret(8).set(JAVA_LONG, 0, seg.address());
            return 0;
        });
    }

    int cuMemFree_v2(long ptr) {
        return guard("cuMemFree_v2", () -> {
            drainAll(); // cuMemFree waits for work that may still use the memory
            Alloc a = device.remove(ptr);
            if (a == null) {
                throw new FakeFault(ERROR_INVALID_VALUE, "free of 0x" + Long.toHexString(ptr)
                        + ", which is not a live allocation (double free?)");
            }
            allocatedBytes -= a.size;
            a.arena.close();
            return 0;
        });
    }

    int cuMemAllocHost_v2(MemorySegment out, long bytes) {
        return guard("cuMemAllocHost_v2", () -> {
            if (bytes <= 0) {
                return ERROR_INVALID_VALUE;
            }
            Arena a = Arena.ofShared();
            MemorySegment seg = a.allocate(bytes, 256);
            pinned.put(seg.address(), new Alloc(seg.address(), bytes, a, seg));
            out.reinterpret(8).set(ADDRESS, 0, seg);
            return 0;
        });
    }

    int cuMemFreeHost(MemorySegment p) {
        return guard("cuMemFreeHost", () -> {
            drainAll();
            Alloc a = pinned.remove(p.address());
            if (a == null) {
                throw new FakeFault(ERROR_INVALID_VALUE, "free of pinned 0x" + Long.toHexString(p.address())
                        + ", which is not live (double free?)");
            }
            a.arena.close();
            return 0;
        });
    }

    int cuMemcpyHtoD_v2(long dst, MemorySegment src, long bytes) {
        return guard("cuMemcpyHtoD_v2", () -> {
            drainAll();
            MemorySegment.copy(src.reinterpret(bytes), 0, dev(dst, bytes), 0, bytes);
            return 0;
        });
    }

    int cuMemcpyDtoH_v2(MemorySegment dst, long src, long bytes) {
        return guard("cuMemcpyDtoH_v2", () -> {
            drainAll();
            MemorySegment.copy(dev(src, bytes), 0, dst.reinterpret(bytes), 0, bytes);
            return 0;
        });
    }

    int cuMemcpyDtoD_v2(long dst, long src, long bytes) {
        return guard("cuMemcpyDtoD_v2", () -> {
            drainAll();
            MemorySegment.copy(dev(src, bytes), 0, dev(dst, bytes), 0, bytes);
            return 0;
        });
    }

    int cuMemcpyHtoDAsync_v2(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        return guard("cuMemcpyHtoDAsync_v2", () -> {
            MemorySegment from = pinnedRange(src, bytes);
            dev(dst, bytes);
            enqueue(stream, () -> MemorySegment.copy(from, 0, dev(dst, bytes), 0, bytes));
            return 0;
        });
    }

    int cuMemcpyDtoHAsync_v2(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        return guard("cuMemcpyDtoHAsync_v2", () -> {
            MemorySegment to = pinnedRange(dst, bytes);
            dev(src, bytes);
            enqueue(stream, () -> MemorySegment.copy(dev(src, bytes), 0, to, 0, bytes));
            return 0;
        });
    }

    int cuMemcpyDtoDAsync_v2(long dst, long src, long bytes, MemorySegment stream) {
        return guard("cuMemcpyDtoDAsync_v2", () -> {
            dev(src, bytes);
            dev(dst, bytes);
            enqueue(stream, () -> MemorySegment.copy(dev(src, bytes), 0, dev(dst, bytes), 0, bytes));
            return 0;
        });
    }

    int cuModuleLoadData(MemorySegment out, MemorySegment image) {
        return guard("cuModuleLoadData", () -> {
            if (image.equals(MemorySegment.NULL)) {
                return ERROR_INVALID_VALUE;
            }
            long h = handle();
            modules.put(h, "module");
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
            return 0;
        });
    }

    int cuModuleGetFunction(MemorySegment out, MemorySegment module, MemorySegment name) {
        return guard("cuModuleGetFunction", () -> {
            if (!modules.containsKey(module.address())) {
                return 400;
            }
            String n = name.reinterpret(256).getString(0, StandardCharsets.US_ASCII);
            for (Kernel k : Kernel.values()) {
                if (k.symbol().equals(n)) {
                    long h = handle();
                    functions.put(h, k);
                    out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
                    return 0;
                }
            }
            return ERROR_NOT_FOUND;
        });
    }

    int cuModuleUnload(MemorySegment module) {
        return guard("cuModuleUnload", () -> {
            if (modules.remove(module.address()) == null) {
                throw new FakeFault(400, "unload of an unknown module");
            }
            return 0;
        });
    }

    int cuLaunchKernel(MemorySegment f, int gx, int gy, int gz, int bx, int by, int bz, int shared,
                       MemorySegment stream, MemorySegment params, MemorySegment extra) {
        return guard("cuLaunchKernel", () -> {
            Kernel k = functions.get(f.address());
            if (k == null) {
                throw new FakeFault(400, "launch of an unknown function");
            }
            LaunchConfig cfg = new LaunchConfig(gx, gy, gz, bx, by, bz, shared);
            List<Kernel.P> kinds = k.params();
            MemorySegment pp = params.reinterpret(8L * kinds.size());
            long[] raw = new long[kinds.size()];
            for (int i = 0; i < raw.length; i++) { // the driver copies the values at launch time
                MemorySegment v = pp.getAtIndex(ADDRESS, i).reinterpret(8);
                raw[i] = switch (kinds.get(i)) {
                    case PTR -> v.get(JAVA_LONG, 0);
                    case I32 -> v.get(JAVA_INT, 0);
                    case F32 -> Float.floatToRawIntBits(v.get(JAVA_FLOAT, 0));
                };
            }
            FakeKernel twin = kernels.get(k);
            if (twin == null) {
                throw new FakeFault(ERROR_NOT_FOUND, "no Java twin registered for " + k.symbol());
            }
            if (!capturing.containsKey(stream.address())) {
                launchCalls++;
            }
            enqueue(stream, () -> {
                kernelRuns++;
                twin.launch(cfg, new Args(k, raw));
            });
            return 0;
        });
    }

    private final class Args implements KernelArgs {
        private final Kernel kernel;
        private final long[] raw;

        Args(Kernel kernel, long[] raw) {
            this.kernel = kernel;
            this.raw = raw;
        }

        private void kind(int i, Kernel.P p) {
            if (kernel.params().get(i) != p) {
                throw new IllegalArgumentException(kernel.symbol() + " parameter " + i + " is "
                        + kernel.params().get(i) + ", read as " + p);
            }
        }

        @Override
        public MemorySegment ptr(int i) {
            kind(i, Kernel.P.PTR);
            return raw[i] == 0 ? MemorySegment.NULL : devTail(raw[i]);
        }

        @Override
        public int i32(int i) {
            kind(i, Kernel.P.I32);
            return (int) raw[i];
        }

        @Override
        public float f32(int i) {
            kind(i, Kernel.P.F32);
            return Float.intBitsToFloat((int) raw[i]);
        }
    }

    int cuStreamCreate(MemorySegment out, int flags) {
        return guard("cuStreamCreate", () -> {
            long h = handle();
            streams.put(h, new ArrayDeque<>());
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
            return 0;
        });
    }

    int cuStreamDestroy_v2(MemorySegment s) {
        return guard("cuStreamDestroy_v2", () -> {
            ArrayDeque<Runnable> q = streams.remove(s.address());
            if (q == null) {
                throw new FakeFault(400, "destroy of an unknown stream");
            }
            drain(q); // pending work still completes
            return 0;
        });
    }

    int cuStreamSynchronize(MemorySegment s) {
        return guard("cuStreamSynchronize", () -> {
            if (capturing.containsKey(s.address())) {
                throw new FakeFault(ERROR_CAPTURE_UNSUPPORTED, "synchronising a stream that is being captured");
            }
            ArrayDeque<Runnable> q = s.address() == 0 ? legacyStream : streams.get(s.address());
            if (q == null) {
                throw new FakeFault(400, "sync of an unknown stream");
            }
            try {
                drain(q);
            } catch (FakeFault e) {
                throw e;
            } catch (RuntimeException e) { // a kernel twin failed: report as the GPU would, at the sync
                q.clear();
                throw new FakeFault(ERROR_ILLEGAL_ADDRESS, "queued work failed: " + e);
            }
            return 0;
        });
    }

    int cuEventCreate(MemorySegment out, int flags) {
        return guard("cuEventCreate", () -> {
            long h = handle();
            events.put(h, 0L);
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
            return 0;
        });
    }

    int cuEventDestroy_v2(MemorySegment e) {
        return guard("cuEventDestroy_v2", () -> events.remove(e.address()) == null ? 400 : 0);
    }

    int cuEventRecord(MemorySegment e, MemorySegment s) {
        return guard("cuEventRecord", () -> {
            if (!events.containsKey(e.address())) {
                return 400;
            }
            enqueue(s, () -> events.put(e.address(), System.nanoTime()));
            return 0;
        });
    }

    int cuEventSynchronize(MemorySegment e) {
        return guard("cuEventSynchronize", () -> {
            drainAll();
            return 0;
        });
    }

    int cuEventElapsedTime_v2(MemorySegment out, MemorySegment a, MemorySegment b) {
        return guard("cuEventElapsedTime_v2", () -> {
            Long ta = events.get(a.address());
            Long tb = events.get(b.address());
            if (ta == null || tb == null || ta == 0 || tb == 0) {
                return ERROR_INVALID_VALUE;
            }
            out.reinterpret(4).set(JAVA_FLOAT, 0, (tb - ta) / 1e6f);
            return 0;
        });
    }

    int cuStreamBeginCapture_v2(MemorySegment s, int mode) {
        return guard("cuStreamBeginCapture_v2", () -> {
            if (!streams.containsKey(s.address()) || capturing.containsKey(s.address())) {
                throw new FakeFault(ERROR_INVALID_VALUE, "capture of an unknown or already capturing stream");
            }
            capturing.put(s.address(), new ArrayList<>());
            return 0;
        });
    }

    int cuStreamEndCapture(MemorySegment s, MemorySegment out) {
        return guard("cuStreamEndCapture", () -> {
            List<Runnable> work = capturing.remove(s.address());
            if (work == null) {
                throw new FakeFault(ERROR_INVALID_VALUE, "end of a capture never begun");
            }
            captures++;
            long h = handle();
            graphs.put(h, work);
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
            return 0;
        });
    }

    int cuGraphInstantiateWithFlags(MemorySegment out, MemorySegment graph, long flags) {
        return guard("cuGraphInstantiateWithFlags", () -> {
            List<Runnable> g = graphs.get(graph.address());
            if (g == null) {
                return 400;
            }
            long h = handle();
            execs.put(h, List.copyOf(g));
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
            return 0;
        });
    }

    int cuGraphLaunch(MemorySegment exec, MemorySegment s) {
        return guard("cuGraphLaunch", () -> {
            List<Runnable> g = execs.get(exec.address());
            if (g == null) {
                return 400;
            }
            graphLaunches++;
            for (Runnable r : g) {
                enqueue(s, r);
            }
            return 0;
        });
    }

    int cuGraphExecDestroy(MemorySegment exec) {
        return guard("cuGraphExecDestroy", () -> execs.remove(exec.address()) == null ? 400 : 0);
    }

    int cuGraphDestroy(MemorySegment graph) {
        return guard("cuGraphDestroy", () -> graphs.remove(graph.address()) == null ? 400 : 0);
    }

    // ---- cuBLAS ----------------------------------------------------------------------------------------------

    int cublasCreate_v2(MemorySegment out) {
        return guard("cublasCreate_v2", () -> {
            long h = handle();
            blasHandles.put(h, 0L);
            out.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(h));
            return 0;
        });
    }

    int cublasDestroy_v2(MemorySegment h) {
        return guard("cublasDestroy_v2", () -> blasHandles.remove(h.address()) == null ? 1 : 0);
    }

    int cublasSetStream_v2(MemorySegment h, MemorySegment s) {
        return guard("cublasSetStream_v2", () -> {
            if (!blasHandles.containsKey(h.address())) {
                return 1;
            }
            blasHandles.put(h.address(), s.address());
            return 0;
        });
    }

    int cublasGemmEx(MemorySegment h, int transa, int transb, int m, int n, int k, MemorySegment alphaP,
                     MemorySegment aP, int atype, int lda, MemorySegment bP, int btype, int ldb, MemorySegment betaP,
                     MemorySegment cP, int ctype, int ldc, int compute, int algo) {
        return guard("cublasGemmEx", () -> {
            Long stream = blasHandles.get(h.address());
            if (stream == null) {
                return 1; // CUBLAS_STATUS_NOT_INITIALIZED
            }
            if (atype != 2 || btype != 2 || ctype != 0 || compute != 68) {
                return 15; // CUBLAS_STATUS_NOT_SUPPORTED: only what the backend uses is faked
            }
            float alpha = alphaP.reinterpret(4).get(JAVA_FLOAT, 0);
            float beta = betaP.reinterpret(4).get(JAVA_FLOAT, 0);
            long a = aP.address();
            long b = bP.address();
            long c = cP.address();
            int aRows = transa == 0 ? m : k; // column-major leading dimension covers the stored rows
            int bRows = transb == 0 ? k : n;
            if (lda < aRows || ldb < bRows || ldc < m) {
                return 7; // CUBLAS_STATUS_INVALID_VALUE
            }
            gemms++;
            enqueue(MemorySegment.ofAddress(stream), () -> {
                MemorySegment as = dev(a, 2L * lda * ((transa == 0 ? k : m) - 1) + 2L * aRows);
                MemorySegment bs = dev(b, 2L * ldb * ((transb == 0 ? n : k) - 1) + 2L * bRows);
                MemorySegment cs = dev(c, 4L * ldc * (n - 1) + 4L * m);
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < m; i++) {
                        float sum = 0;
                        for (int l = 0; l < k; l++) {
                            long ai = transa == 0 ? i + (long) l * lda : l + (long) i * lda;
                            long bi = transb == 0 ? l + (long) j * ldb : j + (long) l * ldb;
                            sum += f16(as, ai) * f16(bs, bi);
                        }
                        long ci = 4L * (i + (long) j * ldc);
                        float old = beta == 0 ? 0 : cs.get(JAVA_FLOAT, ci);
                        cs.set(JAVA_FLOAT, ci, alpha * sum + beta * old);
                    }
                }
            });
            return 0;
        });
    }

    private static float f16(MemorySegment s, long index) {
        return Float16.toFloat(s.get(JAVA_SHORT, 2 * index));
    }
}
