package dev.jinn.runtime.gpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jinn.runtime.gpu.internal.Cublas;
import dev.jinn.runtime.gpu.internal.CudaDriver;
import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device as the backend uses it: the primary context, one non-blocking stream, the kernel module and its
 * functions, an optional cuBLAS handle on that stream, a table of every device and pinned allocation (all freed by
 * {@link #close()}), and pinned staging for uploads and downloads. Not thread-safe: the backend's lock guards it.
 */
final class CudaDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
    /** Placeholder kernel arguments replaced at issue time by the step's device position / token pointers. */
    static final long POS = -1;
    static final long TOKENS = -2;
    /** Pinned staging for uploads and downloads: big enough to stream weights at full PCIe speed. */
    static final long STAGING_BYTES = 16L << 20;

    final CudaDriver cu;
    final Cublas blas;
    final int device;
    private final String deviceName;
    private MemorySegment context;
    private MemorySegment stream = MemorySegment.NULL;
    private MemorySegment module;
    private MemorySegment blasHandle;
    private final Map<Kernel, MemorySegment> functions = new EnumMap<>(Kernel.class);
    private final Arena arena = Arena.ofShared();
    private final MemorySegment paramValues = arena.allocate(8L * 16, 8);
    private final MemorySegment paramPointers = arena.allocate(8L * 16, 8);
    private final Map<Long, Long> live = new LinkedHashMap<>();
    private final List<MemorySegment> pinned = new ArrayList<>();
    private long liveBytes;
    private long syncEpoch;
    private HostSlot staging;

    /** Pinned host memory the stream reads or writes asynchronously; rewritten only after a sync. */
    static final class HostSlot {
        final MemorySegment seg;
        long enqueuedAt = -1;

        HostSlot(MemorySegment seg) {
            this.seg = seg;
        }
    }

    private CudaDevice(CudaDriver cu, Cublas blas, int device, String deviceName) {
        this.cu = cu;
        this.blas = blas;
        this.device = device;
        this.deviceName = deviceName;
    }

    /**
     * Opens device 0: primary context, stream, kernel module, cuBLAS handle (when {@code blas} is not null), staging.
     * On failure everything made so far is released before the exception propagates.
     */
    static CudaDevice open(CudaDriver cu, Cublas blas, byte[] image) {
        cu.init();
        int dev = cu.device(0);
        CudaDevice d = new CudaDevice(cu, blas, dev, cu.deviceName(dev));
        try {
            d.context = cu.primaryContextRetain(dev);
            cu.setCurrent(d.context);
            d.stream = cu.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment img = a.allocate(image.length + 1L, 16);
                MemorySegment.copy(image, 0, img, ValueLayout.JAVA_BYTE, 0, image.length);
                d.module = cu.moduleLoadData(img);
            }
            for (Kernel k : Kernel.values()) {
                d.functions.put(k, cu.moduleGetFunction(d.module, k.symbol()));
            }
            if (blas != null) {
                d.blasHandle = blas.create();
                blas.setStream(d.blasHandle, d.stream);
            }
            d.staging = d.hostSlot(STAGING_BYTES, "upload/download staging");
            return d;
        } catch (RuntimeException | Error e) {
            d.closeQuietly(e);
            throw e;
        }
    }

    String deviceName() {
        return deviceName;
    }

    boolean hasBlas() {
        return blasHandle != null;
    }

    MemorySegment blasHandle() {
        return blasHandle;
    }

    MemorySegment context() {
        return context;
    }

    MemorySegment stream() {
        return stream;
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    long alloc(long bytes, String what) {
        long p = cu.memAlloc(bytes, what);
        live.put(p, bytes);
        liveBytes += bytes;
        return p;
    }

    void free(long ptr) {
        Long size = live.remove(ptr);
        if (size == null) {
            throw new IllegalStateException("device pointer 0x" + Long.toHexString(ptr) + " is not live");
        }
        liveBytes -= size;
        cu.memFree(ptr);
    }

    long liveBytes() {
        return liveBytes;
    }

    HostSlot hostSlot(long bytes, String what) {
        MemorySegment seg = cu.memAllocHost(bytes, what);
        pinned.add(seg);
        return new HostSlot(seg);
    }

    void freeHost(HostSlot slot) {
        if (pinned.remove(slot.seg)) {
            cu.memFreeHost(slot.seg);
        }
    }

    /** Waits for everything queued on the stream; pinned slots become writable again. */
    void sync() {
        cu.streamSynchronize(stream);
        syncEpoch++;
    }

    /** Makes {@code slot} safe to overwrite (syncs if a queued copy may still read or write it). */
    void beforeWrite(HostSlot slot) {
        if (slot.enqueuedAt == syncEpoch) {
            sync();
        }
    }

    void enqueued(HostSlot slot) {
        slot.enqueuedAt = syncEpoch;
    }

    /** Copies host memory to the device through the pinned staging buffer, in stream order. */
    void upload(long dst, MemorySegment src, long bytes) {
        for (long at = 0; at < bytes; at += STAGING_BYTES) {
            long n = Math.min(STAGING_BYTES, bytes - at);
            beforeWrite(staging);
            MemorySegment.copy(src, at, staging.seg, 0, n);
            cu.memcpyHtoDAsync(dst + at, staging.seg, n, stream);
            enqueued(staging);
        }
    }

    /** Copies device memory to the host through the staging buffer; returns when the data is there. */
    void download(MemorySegment dst, long src, long bytes) {
        for (long at = 0; at < bytes; at += STAGING_BYTES) {
            long n = Math.min(STAGING_BYTES, bytes - at);
            beforeWrite(staging);
            cu.memcpyDtoHAsync(staging.seg, src + at, n, stream);
            sync();
            MemorySegment.copy(staging.seg, 0, dst, at, n);
        }
    }

    void copy(long dst, long src, long bytes) {
        cu.memcpyDtoDAsync(dst, src, bytes, stream);
    }

    // ---- launches --------------------------------------------------------------------------------------------

    /**
     * Launches {@code kernel} on the stream; {@code args} hold each parameter (PTR as the address or {@link #POS} /
     * {@link #TOKENS}, I32 as the int, F32 as its raw bits).
     */
    void launch(Kernel kernel, LaunchConfig c, long[] args, long posPtr, long tokensPtr) {
        List<Kernel.P> kinds = kernel.params();
        for (int i = 0; i < args.length; i++) {
            long at = 8L * i;
            switch (kinds.get(i)) {
                case PTR -> paramValues.set(JAVA_LONG, at,
                        args[i] == POS ? posPtr : args[i] == TOKENS ? tokensPtr : args[i]);
                case I32 -> paramValues.set(JAVA_INT, at, (int) args[i]);
                case F32 -> paramValues.set(JAVA_FLOAT, at, Float.intBitsToFloat((int) args[i]));
            }
            paramPointers.setAtIndex(ADDRESS, i, paramValues.asSlice(at, 8));
        }
        cu.launchKernel(functions.get(kernel), c.gridX(), c.gridY(), c.gridZ(), c.blockX(), c.blockY(), c.blockZ(),
                c.sharedBytes(), stream, paramPointers, kernel.symbol());
    }

    // ---- lifetime --------------------------------------------------------------------------------------------

    @Override
    public void close() {
        RuntimeException first = closeQuietly(null);
        if (first != null) {
            throw first;
        }
    }

    /** Releases everything, continuing past failures; returns the first failure (added to {@code cause}). */
    private RuntimeException closeQuietly(Throwable cause) {
        List<RuntimeException> failures = new ArrayList<>();
        if (context != null) {
            step(failures, () -> cu.setCurrent(context));
        }
        if (!stream.equals(MemorySegment.NULL)) {
            step(failures, this::sync);
        }
        for (long p : List.copyOf(live.keySet())) {
            step(failures, () -> free(p));
        }
        live.clear();
        for (MemorySegment s : List.copyOf(pinned)) {
            step(failures, () -> cu.memFreeHost(s));
        }
        pinned.clear();
        if (blasHandle != null) {
            MemorySegment h = blasHandle;
            blasHandle = null;
            step(failures, () -> blas.destroy(h));
        }
        if (module != null) {
            MemorySegment m = module;
            module = null;
            step(failures, () -> cu.moduleUnload(m));
        }
        if (!stream.equals(MemorySegment.NULL)) {
            MemorySegment s = stream;
            stream = MemorySegment.NULL;
            step(failures, () -> cu.streamDestroy(s));
        }
        if (context != null) {
            context = null;
            step(failures, () -> cu.primaryContextRelease(device));
        }
        arena.close();
        if (failures.isEmpty()) {
            return null;
        }
        if (cause != null) {
            failures.forEach(cause::addSuppressed);
            return null;
        }
        failures.subList(1, failures.size()).forEach(failures.getFirst()::addSuppressed);
        LOG.warn("Releasing the CUDA device failed: {}", failures.getFirst().getMessage());
        return failures.getFirst();
    }

    private static void step(List<RuntimeException> failures, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }
}
