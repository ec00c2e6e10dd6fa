package dev.jinn.server;

import dev.jinn.InvalidOptionException;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link OpenAiServer} listens and what it accepts.
 *
 * @param host            address to bind ({@code 127.0.0.1} by default: only this machine can connect)
 * @param port            TCP port (0 = any free port; {@link OpenAiServer#port()} tells which)
 * @param apiKey          when not null, every request needs {@code Authorization: Bearer <apiKey>} (else 401)
 * @param modelId         the id {@code /v1/models} lists and responses carry (null = the model's name)
 * @param maxConcurrency  generations running at once; further requests wait in line
 * @param queueTimeout    how long a request waits in line for a free slot before it is refused with 429
 * @param maxRequestBytes largest request body accepted (else 413)
 */
public record ServerOptions(String host, int port, String apiKey, String modelId, int maxConcurrency,
        Duration queueTimeout, long maxRequestBytes) {

    /** 127.0.0.1:8080, no API key, 4 concurrent generations, a 60 s queue, 1 MiB requests. */
    public static final ServerOptions DEFAULTS = builder().build();

    public ServerOptions {
        Objects.requireNonNull(host, "host");
        check(port >= 0 && port <= 65535, "port = " + port + " is invalid: must be in [0, 65535] (0 = any free port)");
        check(apiKey == null || !apiKey.isBlank(), "apiKey is blank: give a key or none");
        check(maxConcurrency >= 1, "maxConcurrency = " + maxConcurrency + " is invalid: must be ≥ 1");
        Objects.requireNonNull(queueTimeout, "queueTimeout");
        check(!queueTimeout.isNegative(), "queueTimeout = " + queueTimeout + " is invalid: must be ≥ 0");
        check(maxRequestBytes >= 1024, "maxRequestBytes = " + maxRequestBytes + " is invalid: must be ≥ 1024");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new InvalidOptionException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private String apiKey;
        private String modelId;
        private int maxConcurrency = 4;
        private Duration queueTimeout = Duration.ofSeconds(60);
        private long maxRequestBytes = 1 << 20;

        private Builder() {}

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder apiKey(String v) { apiKey = v; return this; }
        public Builder modelId(String v) { modelId = v; return this; }
        public Builder maxConcurrency(int v) { maxConcurrency = v; return this; }
        public Builder queueTimeout(Duration v) { queueTimeout = v; return this; }
        public Builder maxRequestBytes(long v) { maxRequestBytes = v; return this; }

        public ServerOptions build() {
            return new ServerOptions(host, port, apiKey, modelId, maxConcurrency, queueTimeout, maxRequestBytes);
        }
    }
}
