package dev.jinn.spi;

import dev.jinn.Model;
import dev.jinn.ModelOptions;
import java.nio.file.Path;

/**
 * Creates {@link Model}s from files; what {@link Model#load(Path, ModelOptions)} finds with
 * {@link java.util.ServiceLoader}. Implementations are cheap to construct (do no work until {@link #load}) and
 * thread-safe. Factories are asked in decreasing {@link #priority()}; the first whose {@link #canLoad} is true loads.
 */
public interface ModelFactory {

    /** A short name for messages ({@code "gguf"}). */
    String name();

    /** Higher is asked first. The engine's factory uses 0. */
    default int priority() {
        return 0;
    }

    /** Whether this factory handles {@code path} (by a cheap look at its name or first bytes); never throws. */
    boolean canLoad(Path path);

    /**
     * Loads the model.
     *
     * @throws dev.jinn.ModelFileException          when the file is malformed
     * @throws dev.jinn.BackendUnavailableException when no backend can run it
     */
    Model load(Path path, ModelOptions options);
}
