package dev.jinn.runtime.gpu;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jinn.runtime.gpu.internal.CudaDriver;
import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A captured decode step (n = 1): the CUDA graph of its ops and the exact op list it was captured from, so a step
 * whose ops differ in any way (another kind, count, tensor, geometry) is recognised and re-captured instead of
 * replayed. The step's position and token id live in this graph's own device slot (position, token), filled by
 * the captured first node, a copy from this graph's pinned host slot that {@link #launch} writes before each replay.
 */
final class DecodeGraph {
    /** {@code [pos, pad][token]}: the token 16-byte aligned like every kernel pointer. */
    private static final int SLOT_BYTES = StepQueue.TOKENS_OFFSET + 4;
    /**
     * One queued op: a kernel launch ({@code kernel} != null; {@code args} as {@link CudaDevice#launch} takes them)
     * or a device-to-device copy.
     */
    record Op(Kernel kernel, LaunchConfig config, long[] args, long dst, long src, long bytes) {
        static Op launch(Kernel kernel, LaunchConfig config, long... args) {
            return new Op(kernel, config, args, 0, 0, 0);
        }

        static Op copy(long dst, long src, long bytes) {
            return new Op(null, null, new long[0], dst, src, bytes);
        }

        boolean same(Op o) {
            return kernel == o.kernel && Objects.equals(config, o.config) && Arrays.equals(args, o.args)
                    && dst == o.dst && src == o.src && bytes == o.bytes;
        }

        void issue(CudaDevice d, long posPtr, long tokensPtr) {
            if (kernel == null) {
                d.copy(dst, src, bytes);
            } else {
                d.launch(kernel, config, args, posPtr, tokensPtr);
            }
        }
    }

    private final List<Op> ops;
    private final MemorySegment exec;
    private final long slot;
    private final CudaDevice.HostSlot hostSlot;

    private DecodeGraph(List<Op> ops, MemorySegment exec, long slot, CudaDevice.HostSlot hostSlot) {
        this.ops = ops;
        this.exec = exec;
        this.slot = slot;
        this.hostSlot = hostSlot;
    }

    /** True when {@code other} is exactly the op list this graph was captured from. */
    boolean matches(List<Op> other) {
        if (other.size() != ops.size()) {
            return false;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (!ops.get(i).same(other.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Captures {@code ops} on the device's stream (nothing runs yet); frees what it made if capture fails. */
    static DecodeGraph capture(CudaDevice d, List<Op> ops) {
        long slot = d.alloc(SLOT_BYTES, "decode graph position and token");
        CudaDevice.HostSlot host = null;
        MemorySegment graph = null;
        try {
            host = d.hostSlot(SLOT_BYTES, "decode graph position and token");
            d.cu.streamBeginCapture(d.stream(), CudaDriver.CAPTURE_MODE_RELAXED);
            try {
                d.cu.memcpyHtoDAsync(slot, host.seg, SLOT_BYTES, d.stream());
                for (Op op : ops) {
                    op.issue(d, slot, slot + StepQueue.TOKENS_OFFSET);
                }
            } finally {
                graph = d.cu.streamEndCapture(d.stream());
            }
            MemorySegment exec = d.cu.graphInstantiate(graph);
            return new DecodeGraph(List.copyOf(ops), exec, slot, host);
        } catch (RuntimeException | Error e) {
            d.free(slot);
            if (host != null) {
                d.freeHost(host);
            }
            throw e;
        } finally {
            if (graph != null) {
                d.cu.graphDestroy(graph); // the executable graph keeps what it needs
            }
        }
    }

    /** Writes the step's position and token into the pinned slot and queues the graph on the stream. */
    void launch(CudaDevice d, int pos, int token) {
        d.beforeWrite(hostSlot);
        hostSlot.seg.set(JAVA_INT, 0, pos);
        hostSlot.seg.set(JAVA_INT, StepQueue.TOKENS_OFFSET, token);
        d.cu.graphLaunch(exec, d.stream());
        d.enqueued(hostSlot);
    }

    void destroy(CudaDevice d) {
        d.cu.graphExecDestroy(exec);
        d.free(slot);
        d.freeHost(hostSlot);
    }
}
