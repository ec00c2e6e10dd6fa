package dev.jinn.engine;

import dev.jinn.quant.gguf.GgufFile;

/**
 * A model loaded by {@link ModelLoader}: its transformer on the chosen backend and the mapped file it reads weights
 * from. Closing it closes the transformer (backend memory, threads) and then the file. Idempotent; thread-safe.
 */
public final class LoadedModel implements AutoCloseable {
    private final Transformer transformer;
    private final ModelConfig config;
    private final GgufFile file;
    private final String backendName;
    private final double loadSeconds;
    private volatile boolean closed;

    LoadedModel(Transformer transformer, ModelConfig config, GgufFile file, String backendName, double loadSeconds) {
        this.transformer = transformer;
        this.config = config;
        this.file = file;
        this.backendName = backendName;
        this.loadSeconds = loadSeconds;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model " + file.path() + " is closed");
        }
    }

    public Transformer transformer() {
        checkOpen();
        return transformer;
    }

    public ModelConfig config() {
        return config;
    }

    public GgufFile file() {
        checkOpen();
        return file;
    }

    public String backendName() {
        return backendName;
    }

    /** Seconds {@link ModelLoader#load} took (mapping, validation, backend start). */
    public double loadSeconds() {
        return loadSeconds;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                transformer.close();
            } finally {
                file.close();
            }
        }
    }
}
