package dev.jinn.quant.gguf;

import dev.jinn.ModelFileException;
import dev.jinn.quant.internal.PageCacheAdvice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A GGUF file, memory-mapped read-only ({@link #open}) or read into memory this object owns ({@link #read}). The
 * header is parsed and fully validated when the file is opened; tensor data is never copied after that:
 * {@link #data} returns read-only slices of the mapping or of the memory.
 *
 * <p>What is checked: magic; version 2 or 3; counts, string and array lengths against the bytes left (before any
 * allocation sized by them); value and element type ids; BOOL bytes; array nesting (at most 8 levels); keys
 * (1..65535 bytes) and tensor names (1..64 bytes) of valid UTF-8 and unique; n_dims 1..4; dimension products and
 * byte sizes without overflow; known ggml type ids; dims[0] a multiple of the block size;
 * {@code general.alignment} a UINT32 power of two that is a multiple of 8; tensor offsets aligned, inside the file
 * and not overlapping. String <em>values</em> with malformed UTF-8 are read with U+FFFD replacements rather than
 * refused.
 *
 * <p>Ownership and lifetime: this object owns a shared {@link Arena} holding the mapping. Slices returned by
 * {@link #data} own nothing and become unusable (accessing them throws {@link IllegalStateException}) once the
 * file is closed. {@link #close()} is idempotent; every other method throws {@link IllegalStateException} naming
 * the file after it. Thread-safe: any thread may read tensors concurrently; closing while other threads still read
 * makes their next access fail with {@link IllegalStateException}.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final Arena arena; // null when the segment is not owned (parse from memory)
    private final MemorySegment mapping;
    private final GgufReader.Header header;
    private volatile boolean closed;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufReader.Header header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GgufFormatException if the file is not a valid GGUF v2/v3 file (message: field and byte offset)
     * @throws ModelFileException  if it cannot be opened or mapped
     */
    public static GgufFile open(Path path) {
        return load(path, (ch, size, arena) -> {
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            PageCacheAdvice.adviseHugePages(mapping);
            return mapping;
        });
    }

    /**
     * Reads a GGUF file into memory owned by the returned object instead of mapping it, as llama.cpp's
     * {@code --no-mmap} does: the load reads every byte, and the weights then sit in ordinary process memory, for file
     * systems that cannot be mapped. It is not faster to decode than {@link #open}'s mapping once the page cache holds
     * the file in 2 MiB pages (which {@link #open} advises): on the reference machine, 1.68 against 1.85 tokens/s for
     * a 9 GB model. The load touches every page of fresh memory, which that virtual machine backs at about 140 MB/s
     * (50-70 s for 9 GB, where a typical machine needs about 3 s). Checked the same way as {@link #open}.
     *
     * @throws GgufFormatException if the file is not a valid GGUF v2/v3 file (message: field and byte offset)
     * @throws ModelFileException  if it cannot be read, or (on Linux) is larger than the memory available
     */
    public static GgufFile read(Path path) {
        return load(path, (ch, size, arena) -> {
            long available = availableMemory();
            if (available > 0 && size > available) {
                throw new ModelFileException(path, String.format("reading it into memory needs %.1f GiB, and %.1f GiB"
                        + " is available: load it mapped (the default) instead", size / GIB, available / GIB));
            }
            MemorySegment seg = arena.allocate(size, 4096);
            // copied from a temporary mapping, a window at a time (so the mapped pages do not add to the peak RSS):
            // the copy took 6 s for 9 GB on the reference machine, FileChannel.read into the same memory 29 s
            long pos = 0;
            try {
                for (; pos < size; pos += READ_CHUNK) {
                    long n = Math.min(READ_CHUNK, size - pos);
                    try (Arena window = Arena.ofConfined()) {
                        MemorySegment.copy(ch.map(FileChannel.MapMode.READ_ONLY, pos, n, window), 0, seg, pos, n);
                    }
                }
            } catch (InternalError e) { // how the JVM reports a mapped page that vanished (SIGBUS)
                throw new ModelFileException(path, "could not be read past byte " + pos + " of the " + size
                        + " it had when opened (was it truncated while being read?)", e);
            }
            return seg;
        });
    }

    /** How {@link #load} gets the bytes of a non-empty file into {@code arena}. */
    private interface Source {
        MemorySegment bytes(FileChannel ch, long size, Arena arena) throws IOException;
    }

    private static GgufFile load(Path path, Source source) {
        Objects.requireNonNull(path, "path");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0]) : source.bytes(ch, size, arena);
            GgufReader.Header header = GgufReader.parse(seg, path);
            return new GgufFile(path, arena, seg, header);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFileException(path, "no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static final long READ_CHUNK = 256L << 20;
    private static final double GIB = 1024.0 * 1024 * 1024;

    /** MemAvailable from /proc/meminfo in bytes, or 0 where that cannot be read (not Linux). */
    static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: no check
        }
        return 0;
    }

    /**
     * Parses GGUF bytes already in memory (for tests and tools); the returned file does not own {@code bytes} and
     * its {@link #close()} only marks it closed.
     *
     * @param label the path to name in messages, may be null
     */
    static GgufFile parse(MemorySegment bytes, Path label) {
        return new GgufFile(label, null, bytes, GgufReader.parse(bytes, label));
    }

    public Path path() {
        return path;
    }

    /** The format version: 2 or 3. */
    public int version() {
        check();
        return header.version();
    }

    /** Alignment of the data section and of every tensor offset: {@code general.alignment}, default 32. */
    public int alignment() {
        check();
        return header.alignment();
    }

    /**
     * Absolute file offset of the tensor data section. For a file without tensors this may equal or exceed the file
     * size (writers need not pad a file that has no data).
     */
    public long dataOffset() {
        check();
        return header.dataOffset();
    }

    /** Size of the file in bytes. */
    public long fileSize() {
        check();
        return mapping.byteSize();
    }

    public GgufMetadata metadata() {
        check();
        return header.metadata();
    }

    /** The tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        check();
        return header.tensors();
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        check();
        return Optional.ofNullable(header.byName().get(name));
    }

    /** The tensor called {@code name}; throws {@link GgufFormatException} naming it and this file when absent. */
    public GgufTensorInfo requireTensor(String name) {
        check();
        GgufTensorInfo t = header.byName().get(name);
        if (t == null) {
            throw new GgufFormatException(path, "tensor '" + name + "' is missing (the file has "
                    + header.tensors().size() + " tensors)");
        }
        return t;
    }

    /**
     * The tensor's bytes: a zero-copy, read-only slice of the mapping, valid until this file is closed.
     *
     * @throws IllegalArgumentException if {@code t} is not one of this file's tensors
     */
    public MemorySegment data(GgufTensorInfo t) {
        check();
        Map<String, GgufTensorInfo> byName = header.byName();
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException(path + ": tensor " + t + " is not a tensor of this file");
        }
        return mapping.asSlice(header.dataOffset() + t.offset(), t.byteSize()).asReadOnly();
    }

    /** The whole file, read-only, valid until this file is closed. */
    public MemorySegment segment() {
        check();
        return mapping.asReadOnly();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (arena != null) {
            arena.close();
        }
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("GGUF file " + path + " is closed");
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + (closed ? ", closed]" : ", v" + header.version() + ", "
                + header.metadata().size() + " keys, " + header.tensors().size() + " tensors]");
    }
}
