package dev.jinn.quant.safetensors;

import dev.jinn.ModelFileException;
import dev.jinn.quant.json.Json;
import dev.jinn.quant.json.JsonException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model: one {@code .safetensors} file, or a folder holding either
 * {@code model.safetensors.index.json} with its shards or a single {@code model.safetensors}.
 *
 * <p>For a sharded folder the index's {@code weight_map} decides which tensors exist and where: every shard it
 * names must be a plain file name inside the folder and must hold the tensors mapped to it. Lifetime and threads
 * as for {@link SafetensorsFile}; closing the model closes every shard.
 */
public final class SafetensorsModel implements AutoCloseable {
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";

    private final Path path;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> fileOf;
    private final List<SafetensorsTensorInfo> tensors;
    private volatile boolean closed;

    private SafetensorsModel(Path path, List<SafetensorsFile> shards, Map<String, SafetensorsFile> fileOf,
            List<SafetensorsTensorInfo> tensors) {
        this.path = path;
        this.shards = shards;
        this.fileOf = fileOf;
        this.tensors = tensors;
    }

    /**
     * Opens a {@code .safetensors} file or a model folder.
     *
     * @throws SafetensorsFormatException if the index or a shard is malformed or inconsistent
     * @throws ModelFileException         if the folder holds no safetensors weights or a file cannot be read
     */
    public static SafetensorsModel open(Path path) {
        Objects.requireNonNull(path, "path");
        if (!Files.isDirectory(path)) {
            SafetensorsFile f = SafetensorsFile.open(path);
            return single(path, f);
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return sharded(path, index);
        }
        Path single = path.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return single(path, SafetensorsFile.open(single));
        }
        List<Path> candidates;
        try (Stream<Path> s = Files.list(path)) {
            candidates = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot list the folder: " + e.getMessage(), e);
        }
        if (candidates.size() == 1) {
            return single(path, SafetensorsFile.open(candidates.get(0)));
        }
        throw new ModelFileException(path, "no " + INDEX_FILE + " or " + SINGLE_FILE + " in this folder"
                + (candidates.isEmpty() ? "" : " (and " + candidates.size() + " .safetensors files without an index)"));
    }

    private static SafetensorsModel single(Path path, SafetensorsFile f) {
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        f.tensors().forEach(t -> fileOf.put(t.name(), f));
        return new SafetensorsModel(path, List.of(f), fileOf, f.tensors());
    }

    private static SafetensorsModel sharded(Path folder, Path index) {
        String text;
        try {
            if (Files.size(index) > SafetensorsFile.MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(index, "index file is larger than "
                        + SafetensorsFile.MAX_HEADER_BYTES + " bytes");
            }
            text = Files.readString(index);
        } catch (IOException e) {
            throw new ModelFileException(index, "cannot read: " + e.getMessage(), e);
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (JsonException e) {
            throw new SafetensorsFormatException(index, "not a JSON object: " + e.getMessage(), e);
        }
        if (!(json.get("weight_map") instanceof Map<?, ?> weightMap)) {
            throw new SafetensorsFormatException(index, "field 'weight_map' must be an object, found "
                    + Json.typeName(json.get("weight_map")));
        }
        Map<String, SafetensorsFile> openShards = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
            List<SafetensorsTensorInfo> tensors = new ArrayList<>();
            for (Map.Entry<?, ?> e : weightMap.entrySet()) {
                String name = (String) e.getKey();
                if (!(e.getValue() instanceof String shardName)) {
                    throw new SafetensorsFormatException(index, "weight_map entry '" + name
                            + "' must be a file name, found " + Json.typeName(e.getValue()));
                }
                Path shardPath = folder.resolve(shardName).normalize();
                if (shardName.isEmpty() || shardName.contains("/") || shardName.contains("\\")
                        || !shardPath.getParent().equals(folder.normalize()) || shardName.startsWith("..")) {
                    throw new SafetensorsFormatException(index, "weight_map entry '" + name + "' names '"
                            + shardName + "', which is not a plain file name in the model folder");
                }
                SafetensorsFile shard = openShards.get(shardName);
                if (shard == null) {
                    shard = SafetensorsFile.open(shardPath);
                    openShards.put(shardName, shard);
                }
                SafetensorsTensorInfo t = shard.tensor(name).orElse(null);
                if (t == null) {
                    throw new SafetensorsFormatException(index, "weight_map maps tensor '" + name + "' to "
                            + shardName + ", which does not hold it");
                }
                fileOf.put(name, shard);
                tensors.add(t);
            }
            return new SafetensorsModel(folder, List.copyOf(openShards.values()),
                    Collections.unmodifiableMap(fileOf), List.copyOf(tensors));
        } catch (RuntimeException | Error e) {
            openShards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The file or folder this model was opened from. */
    public Path path() {
        return path;
    }

    /** The shard files, in the order the index first names them. */
    public List<SafetensorsFile> shards() {
        check();
        return shards;
    }

    /** All tensors (index order for a sharded folder, header order for one file). */
    public List<SafetensorsTensorInfo> tensors() {
        check();
        return tensors;
    }

    public Optional<SafetensorsTensorInfo> tensor(String name) {
        check();
        SafetensorsFile f = fileOf.get(name);
        return f == null ? Optional.empty() : f.tensor(name);
    }

    public SafetensorsTensorInfo requireTensor(String name) {
        return tensor(name).orElseThrow(() -> new SafetensorsFormatException(path, "tensor '" + name
                + "' is missing (the model has " + tensors.size() + " tensors)"));
    }

    /** The shard holding {@code t}. */
    public SafetensorsFile fileOf(SafetensorsTensorInfo t) {
        check();
        SafetensorsFile f = fileOf.get(t.name());
        if (f == null) {
            throw new IllegalArgumentException(path + ": " + t + " is not a tensor of this model");
        }
        return f;
    }

    /** The tensor's raw bytes, a zero-copy read-only slice of its shard's mapping. */
    public MemorySegment data(SafetensorsTensorInfo t) {
        return fileOf(t).data(t);
    }

    /** See {@link SafetensorsFile#readFloats(SafetensorsTensorInfo, long, float[], int, int)}. */
    public void readFloats(SafetensorsTensorInfo t, long first, float[] dst, int dstOffset, int count) {
        fileOf(t).readFloats(t, first, dst, dstOffset, count);
    }

    /** Closes every shard. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        shards.forEach(SafetensorsFile::close);
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("safetensors model " + path + " is closed");
        }
    }
}
