package dev.jinn.spi;

import java.util.Objects;

/**
 * Whether a backend can run on this machine.
 *
 * @param available true when {@link BackendProvider#create} is expected to succeed
 * @param reason    a short human-readable reason: what was found, or what is missing and how to fix it
 */
public record BackendAvailability(boolean available, String reason) {
    public BackendAvailability {
        Objects.requireNonNull(reason, "reason");
    }

    public static BackendAvailability available(String reason) {
        return new BackendAvailability(true, reason);
    }

    public static BackendAvailability unavailable(String reason) {
        return new BackendAvailability(false, reason);
    }
}
