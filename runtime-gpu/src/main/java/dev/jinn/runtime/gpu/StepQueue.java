package dev.jinn.runtime.gpu;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the backend's ops go: straight onto the stream, or, inside a decode step (n = 1) with graphs on, into a
 * recording that becomes a CUDA graph at the step's first read.
 *
 * <p>Kernels read the step's position and token ids from device memory ({@link CudaDevice#POS} /
 * {@link CudaDevice#TOKENS} arguments). Eagerly, that is one device buffer {@code [pos, pad to 16 bytes][tokens...]} filled by async
 * copies from pinned slots, in stream order before the kernels that read it. In a recorded step it is the graph's
 * own slot, written by the graph's first node. Guarded by the backend's lock.
 */
final class StepQueue {
    /** Where token ids start after the position: kernels want every pointer 16-byte aligned (KERNELS.md). */
    static final int TOKENS_OFFSET = 16;
    private final CudaDevice dev;
    private final boolean graphs;
    private long stepDev;
    private int tokenCapacity;
    private CudaDevice.HostSlot posHost;
    private CudaDevice.HostSlot tokenHost;
    private boolean posValid;
    private int devicePos;
    private DecodeGraph looseGraph;
    private Recording recording;
    private int captures;
    private int replays;

    /** A decode step's ops, recorded until its first read. */
    private static final class Recording {
        final int pos;
        int token;
        CudaKvCache cache;
        final List<DecodeGraph.Op> ops = new ArrayList<>();

        Recording(int pos) {
            this.pos = pos;
        }
    }

    /** Allocates the position/token buffers (freed with the device). */
    StepQueue(CudaDevice dev, boolean graphs) {
        this.dev = dev;
        this.graphs = graphs;
        posHost = dev.hostSlot(4, "the step position");
        growTokens(512);
    }

    int captures() {
        return captures;
    }

    int replays() {
        return replays;
    }

    /** Starts a step: recorded when graphs are on and n = 1, else the position is queued now. */
    void begin(int n, int startPos) {
        recording = null;
        if (graphs && n == 1) {
            recording = new Recording(startPos);
        } else {
            setPos(startPos);
        }
    }

    /** Runs what is recorded (a graph replay, or a capture then its launch); ops after this go to the stream. */
    void flush() {
        Recording r = recording;
        recording = null;
        if (r == null || r.ops.isEmpty()) {
            return;
        }
        DecodeGraph g = r.cache != null ? r.cache.graph : looseGraph;
        if (g != null && g.matches(r.ops)) {
            replays++;
        } else {
            if (g != null) {
                setGraph(r.cache, null);
                g.destroy(dev);
            }
            g = DecodeGraph.capture(dev, r.ops);
            setGraph(r.cache, g);
            captures++;
        }
        g.launch(dev, r.pos, r.token);
    }

    /** Drops a step that never ended (its thread failed part way). */
    void abandon() {
        recording = null;
    }

    /** Makes {@code startPos} the position the next kernels read, or checks it against the recorded step's. */
    void usePos(int startPos) {
        if (recording != null) {
            if (startPos != recording.pos) {
                throw new IllegalArgumentException("op at position " + startPos + " inside a step that began at "
                        + recording.pos);
            }
        } else {
            setPos(startPos);
        }
    }

    /** Makes {@code tokens[from, from + n)} the ids the next embed reads. */
    void useTokens(int[] tokens, int from, int n) {
        if (recording != null && n == 1) {
            recording.token = tokens[from];
            return;
        }
        if (recording != null) { // a multi-token embed inside a decode step: run what was recorded, then go eager
            flush();
        }
        if (n > tokenCapacity) {
            growTokens(Math.max(n, 2 * tokenCapacity));
        }
        dev.beforeWrite(tokenHost);
        MemorySegment.copy(tokens, from, tokenHost.seg, JAVA_INT, 0, n);
        dev.cu.memcpyHtoDAsync(stepDev + TOKENS_OFFSET, tokenHost.seg, 4L * n, dev.stream());
        dev.enqueued(tokenHost);
    }

    /** The recorded step attends over {@code cache}: its graph is kept with that cache (the sequence's). */
    void noteCache(CudaKvCache cache) {
        if (recording != null && recording.cache == null) {
            recording.cache = cache;
        }
    }

    /** {@code cache} is closing: forget it and destroy its graph. */
    void dropCache(CudaKvCache cache) {
        if (recording != null && recording.cache == cache) {
            recording.cache = null;
        }
        if (cache.graph != null) {
            DecodeGraph g = cache.graph;
            cache.graph = null;
            g.destroy(dev);
        }
    }

    /** Destroys the graph kept without a cache (the device frees the rest). */
    void close() {
        recording = null;
        if (looseGraph != null) {
            DecodeGraph g = looseGraph;
            looseGraph = null;
            g.destroy(dev);
        }
    }

    void launch(Kernel k, LaunchConfig c, long... args) {
        submit(DecodeGraph.Op.launch(k, c, args));
    }

    void submit(DecodeGraph.Op op) {
        if (recording != null) {
            recording.ops.add(op);
        } else {
            op.issue(dev, stepDev, stepDev + TOKENS_OFFSET);
        }
    }

    private void setPos(int pos) {
        if (posValid && devicePos == pos) {
            return;
        }
        dev.beforeWrite(posHost);
        posHost.seg.set(JAVA_INT, 0, pos);
        dev.cu.memcpyHtoDAsync(stepDev, posHost.seg, 4, dev.stream());
        dev.enqueued(posHost);
        posValid = true;
        devicePos = pos;
    }

    private void growTokens(int capacity) {
        if (stepDev != 0) {
            dev.sync();
            dev.free(stepDev);
            dev.freeHost(tokenHost);
            stepDev = 0;
            tokenHost = null;
        }
        stepDev = dev.alloc(TOKENS_OFFSET + 4L * capacity, "the step position and tokens");
        tokenHost = dev.hostSlot(4L * capacity, "the step tokens");
        tokenCapacity = capacity;
        posValid = false;
    }

    private void setGraph(CudaKvCache cache, DecodeGraph g) {
        if (cache != null) {
            cache.graph = g;
        } else {
            looseGraph = g;
        }
    }
}
