/**
 * An OpenAI-compatible HTTP server over a Jinn {@code Model}: {@code POST /v1/chat/completions} (with server-sent
 * events when streaming), {@code POST /v1/completions} and {@code GET /v1/models}. Built on the JDK's
 * {@code com.sun.net.httpserver}; no web framework.
 */
module dev.jinn.server {
    requires transitive dev.jinn.api;
    requires dev.jinn.quant;
    requires jdk.httpserver;
    requires org.slf4j;

    exports dev.jinn.server;
}
