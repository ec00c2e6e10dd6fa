package dev.jinn.spring;

import dev.jinn.Model;
import dev.jinn.ModelInfo;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code jinn} health: UP with the model, backend and context while the model is open, DOWN once closed; the JVM's
 * heap use in both cases (weights are memory-mapped or on the device, so they do not show in the heap).
 */
public final class JinnHealthIndicator implements HealthIndicator {
    private final Model model;

    public JinnHealthIndicator(Model model) {
        this.model = model;
    }

    @Override
    public Health health() {
        Runtime rt = Runtime.getRuntime();
        Health.Builder b = model.isClosed() ? Health.down().withDetail("reason", "the model is closed") : Health.up();
        ModelInfo info = model.info();
        return b.withDetail("model", info.name())
                .withDetail("architecture", info.architecture())
                .withDetail("backend", info.backend())
                .withDetail("contextLength", info.contextLength())
                .withDetail("parameters", info.parameterCount())
                .withDetail("heapUsedBytes", rt.totalMemory() - rt.freeMemory())
                .withDetail("heapMaxBytes", rt.maxMemory())
                .build();
    }
}
