package dev.jinn.cli;

import dev.jinn.Model;
import dev.jinn.server.OpenAiServer;
import dev.jinn.server.ServerOptions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code jinn serve}: an OpenAI-compatible HTTP server ({@code /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/models}) until the process is stopped (Ctrl-C) or the thread interrupted.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, "
                + "/v1/models) until stopped.")
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    JinnCli root;

    @Mixin
    ModelArgs modelArgs = new ModelArgs();

    @Option(names = "--host", paramLabel = "ADDRESS",
            description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 exposes the server to the network).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free).")
    int port = 8080;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' (default: the JINN_API_KEY environment variable, "
                    + "else none).")
    String apiKey = System.getenv("JINN_API_KEY");

    @Option(names = "--max-concurrency", paramLabel = "N",
            description = "Generations running at once; others wait (default: ${DEFAULT-VALUE}).")
    int maxConcurrency = 4;

    @Option(names = "--queue-timeout", paramLabel = "SECONDS",
            description = "How long a request waits for a free slot before 429 (default: ${DEFAULT-VALUE}).")
    int queueTimeoutSeconds = 60;

    @Option(names = "--max-request-bytes", paramLabel = "N",
            description = "Largest request body accepted, else 413 (default: ${DEFAULT-VALUE}).")
    long maxRequestBytes = 1 << 20;

    @Option(names = "--model-id", paramLabel = "ID", description = "Model id clients see (default: the model's name).")
    String modelId;

    @Override
    public Integer call() {
        ServerOptions options = ServerOptions.builder().host(host).port(port).apiKey(apiKey).modelId(modelId)
                .maxConcurrency(maxConcurrency).queueTimeout(Duration.ofSeconds(queueTimeoutSeconds))
                .maxRequestBytes(maxRequestBytes).build();
        CountDownLatch stopped = new CountDownLatch(1);
        try (Model model = modelArgs.load(); OpenAiServer server = OpenAiServer.start(model, options)) {
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                server.close();
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            root.out().println("jinn: serving " + server.modelId() + " at " + server.baseUri()
                    + (options.apiKey() != null ? " (API key required)" : "") + "; Ctrl-C stops");
            root.out().flush();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                // Stopped by the embedding application (or a test): close the server and the model, exit 0.
                root.out().println("jinn: stopped");
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down
                }
            }
        }
        return JinnCli.EXIT_OK;
    }
}
