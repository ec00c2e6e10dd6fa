package dev.jinn.engine;

import dev.jinn.BackendUnavailableException;
import dev.jinn.spi.BackendAvailability;
import dev.jinn.spi.BackendProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds compute backends with {@link ServiceLoader} and picks one: an explicit name, else the {@code jinn.backend}
 * system property, else the {@code JINN_BACKEND} environment variable, else the available provider with the highest
 * priority. A provider that fails to load is logged and skipped.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {}

    /** Every provider that could be instantiated, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> out = new ArrayList<>();
        var it = ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                LOG.warn("Skipping a backend provider that failed to load: {}", e.toString());
            }
        }
        out.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return out;
    }

    /**
     * @param name explicit backend name, or null for the property/environment/priority rule
     * @throws JinnException naming every backend found and why it was not chosen, when none fits
     */
    public static BackendProvider select(String name) {
        if (name == null) {
            name = System.getProperty("jinn.backend");
        }
        if (name == null || name.isBlank()) {
            name = System.getenv("JINN_BACKEND");
        }
        List<BackendProvider> all = providers();
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : all) {
            BackendAvailability a;
            try {
                a = p.availability();
            } catch (RuntimeException | LinkageError e) {
                a = BackendAvailability.unavailable("availability check failed: " + e);
            }
            boolean wanted = name == null || name.isBlank() || p.name().equals(name.toLowerCase(Locale.ROOT));
            if (wanted && a.available()) {
                return p;
            }
            why.append(why.isEmpty() ? "" : "; ").append(p.name()).append(": ")
                    .append(wanted ? a.reason() : "not requested");
        }
        if (all.isEmpty()) {
            throw new BackendUnavailableException("no compute backend found on the class path; add jinn-runtime-cpu");
        }
        throw new BackendUnavailableException((name == null || name.isBlank() ? "no backend is available"
                : "backend '" + name + "' is not available") + " (" + why + ")");
    }

    /**
     * One line per backend found: name, priority, available or not and why, and which one automatic selection
     * (with the current {@code jinn.backend} / {@code JINN_BACKEND}) would choose. For {@code jinn backends}.
     */
    public static String describe() {
        List<BackendProvider> all = providers();
        if (all.isEmpty()) {
            return "no compute backend found on the class path; add jinn-runtime-cpu\n";
        }
        String chosen;
        try {
            chosen = select(null).name();
        } catch (RuntimeException e) {
            chosen = null;
        }
        StringBuilder sb = new StringBuilder();
        for (BackendProvider p : all) {
            BackendAvailability a;
            try {
                a = p.availability();
            } catch (RuntimeException | LinkageError e) {
                a = BackendAvailability.unavailable("availability check failed: " + e);
            }
            sb.append(String.format(Locale.ROOT, "%-2s%-8s priority %-4d %-12s %s%n", p.name().equals(chosen) ? "*" : "",
                    p.name(), p.priority(), a.available() ? "available" : "unavailable", a.reason()));
        }
        sb.append(chosen == null ? "no backend is usable\n" : "* = chosen automatically");
        String forced = System.getProperty("jinn.backend", System.getenv("JINN_BACKEND"));
        if (chosen != null && forced != null && !forced.isBlank()) {
            sb.append(" (forced by jinn.backend / JINN_BACKEND = ").append(forced).append(')');
        }
        return sb.append(chosen == null ? "" : "\n").toString();
    }
}
