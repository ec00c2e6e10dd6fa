package dev.jinn;

import dev.jinn.spi.ModelFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds {@link ModelFactory} providers; a provider that fails to load is reported and skipped. */
final class ModelFactories {
    private static final System.Logger LOG = System.getLogger(ModelFactories.class.getName());

    private ModelFactories() {}

    static Model load(Path path, ModelOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        if (!Files.exists(path)) {
            throw new ModelFileException(path, "no such file or folder (give the path of a .gguf file)");
        }
        List<ModelFactory> factories = discover();
        if (factories.isEmpty()) {
            throw new JinnException("No Jinn model implementation on the class path: add dev.jinn:jinn-engine and a "
                    + "runtime such as dev.jinn:jinn-runtime-cpu");
        }
        List<String> names = new ArrayList<>();
        for (ModelFactory f : factories) {
            if (f.canLoad(path)) {
                return f.load(path, options);
            }
            names.add(f.name());
        }
        throw new ModelFileException(path, "no model factory recognizes this file (tried " + names
                + "); Jinn reads GGUF files, and safetensors folders through `jinn convert`");
    }

    static List<ModelFactory> discover() {
        List<ModelFactory> found = new ArrayList<>();
        Iterator<ModelFactory> it = ServiceLoader.load(ModelFactory.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                LOG.log(System.Logger.Level.WARNING, "Skipping a Jinn model factory that failed to load: " + e);
            }
        }
        found.sort(Comparator.comparingInt(ModelFactory::priority).reversed());
        return found;
    }
}
